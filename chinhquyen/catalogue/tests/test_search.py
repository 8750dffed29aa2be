"""Ranked, typo-tolerant procedure search (catalogue/search.py) over the 34 demo procedures.

The whole file runs on SQLite and on PostgreSQL (``DATABASE_URL=postgres://…``): the table of
queries below is the contract that both databases return the same top results.
"""

import json
from pathlib import Path

import pytest
from django.db import connection

from chinhquyen.catalogue.models import Procedure
from chinhquyen.catalogue.search import (
    MAX_TYPO_LETTERS,
    MAX_WORDS,
    name_part,
    score,
    search_plan,
    trigram_similarity,
    typo_variants,
    word_regex,
)
from chinhquyen.catalogue.selectors import procedures_search
from chinhquyen.catalogue.services import procedure_link_agencies, procedure_save

from . import factories

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo_catalogue.json"
postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="compares with PostgreSQL's own functions"
)


@pytest.fixture
def demo(load_json):
    load_json(json.loads(DEMO.read_text()))


def codes(versions, top=None):
    return [v.procedure.code for v in versions][:top]


# query → the codes expected first, in order
SHARED_TABLE = [
    ("giay phep xay dung", ["1.013225", "1.013221"]),
    ("giấy phép XÂY DỰNG", ["1.013225", "1.013221"]),
    ("khai sinh", ["1.001193", "1.004884", "3.000722"]),
    ("KHAI SINH", ["1.001193", "1.004884", "3.000722"]),
    ("dang ky ho kinh doanh", ["2.000720", "1.001612"]),  # the exact phrase first
    ("khai snh", ["1.001193", "1.004884"]),
    ("giay phep xay dugn", ["1.013225", "1.013221"]),
    ("ho kinh doang", ["1.001612", "1.001266", "2.000720"]),
    ("1.001193", ["1.001193"]),
    ("ket hon", ["1.000894"]),
    ("chung thuc chu ky", ["2.000884"]),
    ("giấy phép lái xe", ["3.000347"]),
    ("tro cap xa hoi", ["1.001776"]),
    ("ly lich tu phap", ["3.000333"]),
    ("thanh lap doanh nghiep", ["2.001610"]),
    ("mam non", ["1.000288"]),
]


@pytest.mark.parametrize(("q", "expected"), SHARED_TABLE)
def test_the_shared_queries_give_the_same_top_results_on_every_database(demo, q, expected):
    assert codes(procedures_search(q=q), len(expected)) == expected


def test_one_typo_per_word_of_four_letters_or_more_is_tolerated(demo):
    assert codes(procedures_search(q="khia sinh"), 1) == ["1.001193"]  # two letters swapped
    assert codes(procedures_search(q="khai sinhh"), 1) == ["1.001193"]  # one letter added
    assert codes(procedures_search(q="khao sinh"), 1) == ["1.001193"]  # one letter changed
    assert codes(procedures_search(q="kết hông"), 1) == ["1.000894"]  # 3 letters → 4 letters


def test_two_typos_in_a_word_or_one_in_a_short_word_are_not(demo):
    assert codes(procedures_search(q="khai sniih")) == []
    assert codes(procedures_search(q="ket hin")) == []  # "hin"/"hon": 3 letters each


def test_a_code_one_digit_away_is_another_procedure(demo):
    assert codes(procedures_search(q="1.001194")) == []


def test_the_exact_match_ranks_above_the_typo(demo):
    found = list(procedures_search(q="sinh"))
    assert found[0].procedure.code == "1.001193"
    ranks = [v.search_rank for v in found]
    assert ranks == sorted(ranks, reverse=True)


def test_a_match_in_the_name_beats_a_match_only_in_the_field_name(load_json):
    load_json(
        factories.document(
            factories.building(),  # 1.009972 "Cấp giấy phép xây dựng …", field Xây dựng
            factories.building(code="1.000001", name="Cấp chứng chỉ hành nghề kiến trúc"),
        )
    )

    assert codes(procedures_search(q="xay dung")) == ["1.009972", "1.000001"]


def test_typing_a_national_code_finds_that_procedure_first(demo):
    found = codes(procedures_search(q=" 1.013225 "))
    assert found == ["1.013225"]


def test_gibberish_and_punctuation_find_nothing(demo):
    assert codes(procedures_search(q="zzxqw qwerty")) == []
    assert codes(procedures_search(q="%_ !?")) == []


def test_an_empty_query_lists_everything_by_code(demo):
    everything = codes(procedures_search(q=""))
    assert len(everything) == 34
    assert everything == sorted(everything)
    assert codes(procedures_search(q="   ")) == everything


def test_filters_still_apply_to_a_ranked_search(demo, agencies):
    assert codes(procedures_search(q="giay phep", field="xay-dung")) == ["1.013225", "1.013221"]
    assert codes(procedures_search(q="khai sinh", online_mode="partial")) == ["1.004884"]
    procedure_link_agencies(
        procedure=Procedure.objects.get(code="1.013221"), agencies=[agencies["so"]]
    )
    assert codes(procedures_search(q="giay phep xay dung", agency="000.00.10.H26")) == ["1.013221"]


def test_only_the_current_version_is_searched(demo):
    procedure_save(data={**factories.birth(), "name": "Thủ tục đăng ký khai sinh lưu động"})

    assert codes(procedures_search(q="luu dong"), 1) == ["1.001193"]
    assert [v.version for v in procedures_search(q="1.001193")] == [2]


def test_a_ranked_page_and_its_count_are_two_queries(client, demo, django_assert_num_queries):
    with django_assert_num_queries(2):
        body = client.get("/api/v1/procedures", {"q": "dang ky", "page_size": 5}).json()

    assert body["count"] > 5 and len(body["items"]) == 5


# --- the pieces -----------------------------------------------------------------------------------


def test_typo_variants_are_one_edit_away():
    variants = typo_variants("sinh")
    assert {"snh", "sinhh", "xinh", "isnh", "sihn"} <= variants
    assert "sinh" not in variants and "sn" not in variants
    assert typo_variants("snh") >= {"sinh", "sanh"} and "sn" not in typo_variants("snh")
    assert typo_variants("hon") == {v for v in typo_variants("hon") if len(v) == 4}
    assert typo_variants("ky") == frozenset() and typo_variants("1193") == frozenset()


def test_the_regex_of_a_word_accepts_exactly_its_variants():
    import re

    for word in ["sinh", "snh", "doanh", "ky", "001193"]:
        pattern = re.compile(word_regex(word))
        for variant in typo_variants(word):
            assert pattern.search(f"x {variant} y"), (word, variant)
        assert not pattern.search("x abcdefgh y")


def test_long_words_get_no_typo_tolerance_so_the_sql_stays_small(demo):
    longest = "nghieng" + "x" * (MAX_TYPO_LETTERS - 7)
    assert typo_variants(longest) and typo_variants(longest + "x") == frozenset()
    plan = search_plan("giay phep " + " ".join(letter * 5000 for letter in "abcdefghijklmnop"))
    assert len(plan.words) == MAX_WORDS
    # Each word's pattern is the word itself plus a bounded alternation, never its square.
    assert all(len(word_regex(w)) < len(w) + 1000 for w in plan.words)
    assert codes(procedures_search(q="giay phep " + "x" * 5000)) == []
    assert codes(procedures_search(q="giay phep xay dung " + "x" * 200), 1) == []


def test_the_name_is_cut_out_of_search_text():
    assert name_part("1.001193 thu tuc dang ky khai sinh ho tich", code="1.001193",
                     field_name="Hộ tịch") == "thu tuc dang ky khai sinh"  # fmt: skip
    assert name_part("x", code="1.001193", field_name="Hộ tịch") == ""


def test_a_procedure_that_does_not_match_scores_zero():
    plan = search_plan("ket hon")
    text = "1.001193 thu tuc dang ky khai sinh ho tich"
    assert score(plan, search_text=text, code="1.001193", field_name="Hộ tịch") == 0


@postgres_only
@pytest.mark.parametrize(
    ("a", "b"),
    [("khai sinh", " thu tuc dang ky khai sinh "), ("giay phep xay dugn", "cap giay phep xay dung"),
     ("1 001193", "1 001193 thu tuc"), ("ab", "")],
)  # fmt: skip
def test_the_python_similarity_is_pg_trgm_s(a, b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [a, b])
        expected = cursor.fetchone()[0]
    assert trigram_similarity(a, b) == pytest.approx(expected, rel=1e-6)


@postgres_only
def test_the_search_migration_created_the_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'catalogue_version_search_trgm'"
        )
        assert "gin_trgm_ops" in cursor.fetchone()[0]
