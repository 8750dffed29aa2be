"""Ranked, typo-tolerant procedure search (catalogue/search.py) over the 34 demo procedures.

The whole file runs on SQLite and on PostgreSQL (``DATABASE_URL=postgres://…``): the ranking is
the same engine on both, and the tables of queries below are the contract.
"""

import json
from pathlib import Path

import pytest

from chinhquyen.catalogue.models import Procedure, SearchTerm
from chinhquyen.catalogue.search import (
    MAX_WORDS,
    Terms,
    pairs_of,
    plan_query,
    segment_pairs,
    typo_variants,
)
from chinhquyen.catalogue.selectors import procedures_search
from chinhquyen.catalogue.services import (
    catalogue_export_json,
    procedure_link_agencies,
    procedure_save,
    procedure_search_phrases_set,
    search_term_delete,
    search_term_save,
)
from chinhquyen.core.errors import ValidationFailed

from . import factories

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo_catalogue.json"


@pytest.fixture
def demo(load_json):
    load_json(json.loads(DEMO.read_text()))


def codes(versions, top=None):
    return [v.procedure.code for v in versions][:top]


# query → the codes expected first, in order
SHARED_TABLE = [
    ("giay phep xay dung", ["1.013225", "1.013221"]),
    ("giấy phép XÂY DỰNG", ["1.013225", "1.013221"]),
    ("khai sinh", ["1.001193", "1.004884"]),
    ("KHAI SINH", ["1.001193", "1.004884"]),
    ("dang ky ho kinh doanh", ["1.001612", "2.000720"]),
    ("khai snh", ["1.001193", "1.004884"]),
    ("giay phep xay dugn", ["1.013225", "1.013221"]),
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


# The examples (#17): what people type → the procedure they mean, in the first three.
ACCEPTANCE = [
    ("giay khai sinh", "1.001193"),
    ("lam giay khai sinh cho con", "1.001193"),
    ("dang ki ket hon", "1.000894"),
    ("bao tu cho bo", "1.000656"),
    ("giay xac nhan doc than", "1.004873"),
    ("cong chung ban sao", "2.000815"),
    ("sao y ban chinh", "2.000815"),
    ("sang ten so do", "1.013986"),
    ("doi bang lai xe", "3.000347"),
    ("mo nha thuoc", "1.004599"),
    ("tro cap nguoi cao tuoi", "1.001776"),
    ("khai snh", "1.001193"),
    ("giay phep xay dugn", "1.013225"),
    ("1.001193", "1.001193"),
    ("1.013986", "1.013986"),
]


@pytest.mark.parametrize(("q", "expected"), ACCEPTANCE)
def test_what_people_type_finds_the_procedure_they_mean_first(demo, q, expected):
    found = codes(procedures_search(q=q), 3)
    assert found[0] == expected, found


def test_ranking_not_filtering_a_word_that_matches_nothing_does_not_empty_the_list(demo):
    # "zzz" occurs nowhere: the procedures with the other words still come.
    assert codes(procedures_search(q="khai sinh zzz"), 1) == ["1.001193"]
    some = codes(procedures_search(q="ket hon khai sinh"))
    assert {"1.000894", "1.001193"} <= set(some[:3])


def test_one_typo_per_word_of_four_letters_or_more_is_tolerated(demo):
    assert codes(procedures_search(q="khia sinh"), 1) == ["1.001193"]  # two letters swapped
    assert codes(procedures_search(q="khai sinhh"), 1) == ["1.001193"]  # one letter added
    assert codes(procedures_search(q="kết hông"), 1) == ["1.000894"]  # 3 letters → 4 letters
    household = {"1.001612", "1.001266", "2.000720"}
    assert set(codes(procedures_search(q="ho kinh doang"), 3)) == household


def test_two_typos_in_a_word_find_nothing(demo):
    assert codes(procedures_search(q="sniih")) == []
    assert codes(procedures_search(q="xqzv")) == []


def test_a_corrected_word_is_offered_as_did_you_mean(demo):
    results = procedures_search(q="khai snh")
    assert results.corrected == "khai sinh"
    assert procedures_search(q="khai sinh").corrected == ""


def test_a_code_one_digit_away_is_another_procedure(demo):
    assert codes(procedures_search(q="1.001194")) == []


def test_typing_a_national_code_finds_only_that_procedure(demo):
    assert codes(procedures_search(q=" 1.013225 ")) == ["1.013225"]
    # With words too: the code's procedure first, then what the words find.
    assert codes(procedures_search(q="1.004884 khai sinh"), 2) == ["1.004884", "1.001193"]


def test_the_ranks_go_down(demo):
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


def test_gibberish_and_punctuation_find_nothing(demo):
    assert codes(procedures_search(q="zzxqw qwerty")) == []
    assert codes(procedures_search(q="%_ !?")) == []


def test_filler_words_alone_do_not_bring_a_procedure_in(demo):
    # "cho" is in many names; with a word that means something, only that word brings results.
    found = codes(procedures_search(q="cho mam non"))
    assert found == ["1.000288"]


def test_an_empty_query_lists_everything_by_code(demo):
    everything = codes(procedures_search(q=""))
    assert len(everything) == 34
    assert everything == sorted(everything)
    assert codes(procedures_search(q="   ")) == everything


def test_filters_still_apply_to_a_ranked_search(demo, agencies):
    assert codes(procedures_search(q="giay phep", field="xay-dung")) == ["1.013225", "1.013221"]
    found = procedures_search(q="khai sinh", online_mode="partial")
    assert codes(found, 1) == ["1.004884"]
    assert {v.online_mode for v in found} == {"partial"}
    procedure_link_agencies(
        procedure=Procedure.objects.get(code="1.013221"), agencies=[agencies["so"]]
    )
    assert codes(procedures_search(q="giay phep xay dung", agency="000.00.10.H26")) == ["1.013221"]


def test_only_the_current_version_is_searched(demo):
    procedure_save(data={**factories.birth(), "name": "Thủ tục đăng ký khai sinh lưu động"})

    assert codes(procedures_search(q="luu dong"), 1) == ["1.001193"]
    assert [v.version for v in procedures_search(q="1.001193")] == [2]


def test_an_ended_procedure_is_not_found(demo):
    procedure_save(data={**factories.birth(), "effective_to": "2020-01-01",
                         "effective_from": "2016-01-01"})  # fmt: skip

    assert "1.001193" not in codes(procedures_search(q="khai sinh"))


def test_a_ranked_page_and_its_count_are_two_queries(client, demo, django_assert_num_queries):
    procedures_search(q="khai sinh").count()  # the index is built once per catalogue change
    with django_assert_num_queries(2):
        body = client.get("/api/v1/procedures", {"q": "dang ky", "page_size": 5}).json()

    assert body["count"] > 5 and len(body["items"]) == 5


# --- the words people use, as data -----------------------------------------------------------


def test_a_synonym_added_by_the_admin_is_used_at_once_and_shown(demo):
    assert "1.001731" not in codes(procedures_search(q="dam hieu"), 3)
    term = search_term_save(
        kind="synonym", phrase="đám hiếu", target="mai táng", note="Đám hiếu là đám tang."
    )

    results = procedures_search(q="xin tien dam hieu")
    assert codes(results, 1) == ["1.001731"]
    assert [(e.phrase, e.target, e.note) for e in results.expansions] == [
        ("đám hiếu", "mai táng", "Đám hiếu là đám tang.")
    ]
    search_term_delete(term=term)
    assert "1.001731" not in codes(procedures_search(q="dam hieu"), 3)


def test_the_legal_difference_of_cong_chung_is_shown_with_the_results(demo):
    results = procedures_search(q="cong chung ban sao")
    assert [e.target for e in results.expansions] == ["chứng thực"]
    assert "Ủy ban nhân dân" in results.expansions[0].note


def test_a_procedure_is_found_by_its_also_searched_as_phrases(demo):
    procedure = Procedure.objects.get(code="1.011607")
    assert codes(procedures_search(q="so tay xoa doi"), 1) != ["1.011607"]

    assert procedure_search_phrases_set(procedure=procedure, phrases=["sổ tay xóa đói"])
    assert codes(procedures_search(q="so tay xoa doi"), 1) == ["1.011607"]
    assert not procedure_search_phrases_set(procedure=procedure, phrases=["sổ tay xóa đói"])


def test_phrases_do_not_make_a_new_version(demo):
    procedure = Procedure.objects.get(code="1.001193")
    procedure_search_phrases_set(procedure=procedure, phrases=["giấy chào đời"])
    assert procedure.versions.count() == 1


def test_bad_search_terms_are_refused_with_the_reason(demo):
    with pytest.raises(ValidationFailed) as error:
        search_term_save(kind="synonym", phrase="sổ đỏ", target="")
    assert "target" in error.value.fields
    with pytest.raises(ValidationFailed):
        search_term_save(kind="synonym", phrase="so do", target="giấy chứng nhận quyền sử dụng đất")
    with pytest.raises(ValidationFailed):
        procedure_search_phrases_set(
            procedure=Procedure.objects.get(code="1.001193"), phrases=["a", "A"]
        )


def test_search_terms_and_phrases_travel_with_the_catalogue(demo, load_json):
    exported = catalogue_export_json()
    assert len(exported["search_terms"]) == SearchTerm.objects.count() > 50
    birth = next(p for p in exported["procedures"] if p["code"] == "1.001193")
    assert "giấy khai sinh" in birth["search_phrases"]

    exported["search_terms"] = exported["search_terms"][:3]
    load_json(exported)
    assert SearchTerm.objects.count() == 3
    assert catalogue_export_json()["search_terms"] == exported["search_terms"]


# --- the pieces -----------------------------------------------------------------------------------


def test_typo_variants_are_one_edit_away():
    variants = typo_variants("sinh")
    assert {"snh", "sinhh", "xinh", "isnh", "sihn"} <= variants
    assert "sinh" not in variants and "sn" not in variants
    assert typo_variants("snh") >= {"sinh", "sanh"} and "sn" not in typo_variants("snh")
    assert typo_variants("hon") == {v for v in typo_variants("hon") if len(v) == 4}
    assert typo_variants("ky") == frozenset() and typo_variants("1193") == frozenset()


def test_pairs_are_adjacent_syllables_not_across_punctuation():
    assert pairs_of(["dang", "ky", "khai", "sinh"]) == ["dangky", "kykhai", "khaisinh"]
    assert segment_pairs("nhan cha, me, con") == ["nhancha"]


def test_a_plan_weighs_fillers_little_and_expands_synonyms():
    terms = Terms(
        synonyms=(),
        fillers=frozenset({("lam",), ("cho",)}),
    )
    plan = plan_query("lam giay khai sinh cho con", terms=terms, vocabulary={"khai": 3})
    assert plan.words["lam"] < plan.words["khai"] == 1.0
    assert "lam" not in plan.content and "khai" in plan.content
    assert "khaisinh" in plan.pairs
    plan = plan_query("giay phep " + "x " * 40, terms=terms, vocabulary={})
    assert len(plan.words) <= MAX_WORDS


def test_the_search_folds_vietnamese_into_the_same_words_as_text_fold():
    from chinhquyen.catalogue import search, text

    sample = (
        "Đăng ký KHAI SINH, kết hôn; Chứng thực bản sao từ bản chính – Giấy chứng nhận quyền sử "
        "dụng đất (sổ đỏ) – cấp “đặc biệt”, người cao tuổi ở Đắk Lắk, Huế, Quảng Ngãi 06 tuổi"
    )
    assert search.words_of(search.fold(sample)) == search.words_of(text.fold(sample))


def test_an_over_long_query_answers_with_what_its_real_words_find(demo):
    assert codes(procedures_search(q="khai sinh " + "y" * 70_000), 1) == ["1.001193"]
    assert codes(procedures_search(q="1." + "9" * 70_000)) == []
    assert codes(procedures_search(q="a " * 5_000)) == []


def test_the_index_follows_a_write_and_its_rollback(demo):
    import contextlib

    from django.db import transaction

    assert codes(procedures_search(q="xyzzy")) == []
    with contextlib.suppress(RuntimeError), transaction.atomic():
        procedure_save(data={**factories.birth(), "name": "Thủ tục đăng ký khai sinh xyzzy"})
        assert codes(procedures_search(q="xyzzy")) == ["1.001193"]
        raise RuntimeError  # rolled back: the version never existed
    assert codes(procedures_search(q="xyzzy")) == []
