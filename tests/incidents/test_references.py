"""Report references (**contract**): 8 characters of Crockford base32, forgiving when typed."""

import pytest

from incidents.references import ALPHABET, LENGTH, new_reference, normalise_reference

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def test_it_uses_the_crockford_alphabet_and_eight_characters():
    # Pinned literally: the alphabet and length are a contract with residents and scripts.
    assert ALPHABET == CROCKFORD
    assert LENGTH == 8


def test_it_draws_references_of_eight_crockford_characters():
    for _ in range(200):
        reference = new_reference()
        assert len(reference) == 8
        assert set(reference) <= set(CROCKFORD)


def test_it_draws_unpredictable_references():
    draws = [new_reference() for _ in range(1000)]
    # 40 random bits: 1000 draws colliding would mean the generator is not random.
    assert len(set(draws)) == 1000
    # Every position varies and over 1000 draws nearly every symbol turns up,
    # which a counter, a timestamp or a fixed prefix would not give.
    for position in range(8):
        assert len({d[position] for d in draws}) >= 28
    assert set("".join(draws)) == set(CROCKFORD)


def test_it_accepts_a_new_reference_unchanged():
    reference = new_reference()
    assert normalise_reference(reference) == reference


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("7K2M9QXD", "7K2M9QXD"),
        ("7k2m9qxd", "7K2M9QXD"),
        ("7K2M-9QXD", "7K2M9QXD"),
        ("7K2M 9QXD", "7K2M9QXD"),
        ("  7k2m - 9qxd  ", "7K2M9QXD"),
        ("7-K-2-M-9-Q-X-D", "7K2M9QXD"),
        ("7K2M\t9QXD\n", "7K2M9QXD"),
    ],
)
def test_it_accepts_lower_case_hyphens_and_spaces(typed, canonical):
    assert normalise_reference(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("IIIIIIII", "11111111"),
        ("iiiiiiii", "11111111"),
        ("LLLLLLLL", "11111111"),
        ("llllllll", "11111111"),
        ("OOOOOOOO", "00000000"),
        ("oooooooo", "00000000"),
        ("A1B0CI2O", "A1B0C120"),
        ("aLbOcIdl", "A1B0C1D1"),
    ],
)
def test_it_reads_i_l_and_o_as_the_digits_they_look_like(typed, canonical):
    assert normalise_reference(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "7K2M9QX",  # seven
        "7K2M9QXDA",  # nine
        "7K2M-9QX",
        "7",
        "7K2M9QXD7K2M9QXD",
        "   -    ",
    ],
)
def test_it_rejects_the_wrong_length(typed):
    assert normalise_reference(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        "7K2M9QX!",
        "7K2M9QX*",
        "7K2M9QX_",
        "7K2M9QX.",
        "7K2M9QX/",
        "7K2M9QXÉ",
        "7K2M9QX٣",  # an Arabic-Indic digit three
        "7K2M9QX３",  # a full-width digit three
        "7K2M9QX%",
        "7K2M9Q'D",
        "7K2M9Q;D",
    ],
)
def test_it_rejects_characters_outside_the_alphabet(typed):
    assert normalise_reference(typed) is None


def test_it_rejects_the_letter_u():
    assert normalise_reference("7K2M9QXU") is None
    assert normalise_reference("7k2m9qxu") is None


@pytest.mark.parametrize("typed", ["7K2M9Qß", "ﬀ7K2M9Q"])
def test_it_rejects_characters_that_upper_case_into_several_letters(typed):
    assert normalise_reference(typed) is None
