from __future__ import annotations

from ordergate.policy.source import SourceFile, parse_documents


def parse(text: str):
    docs, problems = parse_documents(SourceFile("f.yaml", text))
    return docs, problems


def test_scalars_follow_yaml_1_2_so_times_and_words_stay_strings() -> None:
    [doc], problems = parse(
        "a: 10:25\nb: on\nc: no\nd: 2026-12-16T13:55:00\ne: 1_000\nf: 07\ng: 1.5\nh: null\ni: True\n"
    )
    assert not problems
    assert doc.value == {
        "a": "10:25",
        "b": "on",
        "c": "no",
        "d": "2026-12-16T13:55:00",
        "e": "1_000",
        "f": 7,
        "g": 1.5,
        "h": None,
        "i": True,
    }


def test_quoted_numbers_stay_strings() -> None:
    [doc], _ = parse("a: '5'\nb: \"6\"\n")
    assert doc.value == {"a": "5", "b": "6"}


def test_every_value_and_key_has_its_line_and_column() -> None:
    [doc], _ = parse("spec:\n  limits:\n    daily: {loss: 100}\n  list: [a, b]\n")
    assert (
        doc.pos(("spec", "limits", "daily", "loss")).line,
        doc.pos(("spec", "limits", "daily", "loss")).col,
    ) == (3, 19)
    assert (doc.key_pos(("spec", "limits")).line, doc.key_pos(("spec", "limits")).col) == (2, 3)
    assert (doc.pos(("spec", "list", 1)).line, doc.pos(("spec", "list", 1)).col) == (4, 13)
    # a path that does not exist falls back to its nearest ancestor
    assert doc.pos(("spec", "limits", "weekly")) == doc.pos(("spec", "limits"))


def test_several_documents_in_one_file() -> None:
    docs, _ = parse("a: 1\n---\nb: 2\n---\n")
    assert [d.value for d in docs] == [{"a": 1}, {"b": 2}]
    assert docs[1].start.line == 3


def test_a_duplicate_key_is_reported_at_the_second_key() -> None:
    [doc], problems = parse("a: 1\nb: 2\na: 3\n")
    assert [(p.line, p.col, p.code) for p in problems] == [(3, 1, "duplicate-key")]
    assert problems[0].hint == "the first 'a' is at line 1"
    assert doc.value == {"a": 1, "b": 2}


def test_a_syntax_error_points_at_its_line() -> None:
    docs, problems = parse("a: 1\nb: [1, 2\nc: 3\n")
    assert docs == []
    assert problems[0].code == "yaml-syntax"
    assert (problems[0].line, problems[0].col) == (2, 4)


def test_a_bad_indent_points_where_the_parser_stopped() -> None:
    _, problems = parse("a:\n  b: 1\n c: 2\n")
    assert problems[0].code == "yaml-syntax" and problems[0].line == 3


def test_offsets_inside_a_block_scalar_map_to_the_file() -> None:
    text = "rule:\n  when: >\n    daily.pnl < 0 and\n    order.qty > 1\n"
    [doc], _ = parse(text)
    value = doc.value["rule"]["when"]
    offset = value.index("order")
    pos = doc.offset_pos(("rule", "when"), offset)
    assert (pos.line, pos.col) == (4, 5)


def test_offsets_inside_a_quoted_scalar_skip_the_quote() -> None:
    [doc], _ = parse('when: "daily.pnl < 0"\n')
    pos = doc.offset_pos(("when",), 0)
    assert (pos.line, pos.col) == (1, 8)
