"""Every code ordergate reports: the decision codes of each check-chain stage, and (in
``DIAGNOSTICS``) every diagnostic code with the descriptions SARIF viewers show.

The stages and their codes are DESIGN §5's table; ``rules`` blocks with ``rule:<name>``.
A test holds this table to the chain's stage order and to the codes the engine emits.
"""

from __future__ import annotations

from dataclasses import dataclass

from ordergate.policy.schema_check import did_you_mean

DECISION_CODES: dict[str, tuple[str, ...]] = {
    "policy": ("no_policy", "policy_ambiguous"),
    "exit_bypass": (),
    "locked": ("account_locked",),
    "enabled": ("account_disabled", "automation_paused"),
    "hours": ("outside_hours", "inactive_day"),
    "blackout": ("blackout_active",),
    "quote_health": ("quote_stale", "quote_missing"),
    "positions": ("max_contracts_per_order", "max_position_size", "max_open_positions"),
    "pnl_limits": (
        "daily_loss_limit",
        "daily_profit_target",
        "weekly_loss_limit",
        "weekly_profit_target",
        "trailing_drawdown",
    ),
    "contracts": ("symbol_blocked", "symbol_cap"),
    "rules": (),  # rule:<name>
}
STAGES: tuple[str, ...] = tuple(DECISION_CODES)
RULE_PREFIX = "rule:"


def stage_problem(stage: str) -> tuple[str, str | None] | None:
    """(message, hint) when ``stage`` names no stage of the check chain."""
    if stage in DECISION_CODES:
        return None
    return (
        f"unknown stage {stage!r}; stages: {', '.join(STAGES)}",
        did_you_mean(stage, list(STAGES)),
    )


def code_problem(code: str, stage: str | None = None) -> tuple[str, str | None] | None:
    """(message, hint) when ``code`` is no decision code (of ``stage``, when it is known)."""
    if code.startswith(RULE_PREFIX) and len(code) > len(RULE_PREFIX):
        if stage in (None, "rules"):
            return None
        return f"code {code!r} comes from stage 'rules', not {stage!r}", "stage: rules"
    known = [c for codes in DECISION_CODES.values() for c in codes]
    owner = next((s for s, codes in DECISION_CODES.items() if code in codes), None)
    if owner is None:
        return f"unknown code {code!r}", did_you_mean(code, [*known, "rule:<name>"])
    if stage is not None and stage in DECISION_CODES and owner != stage:
        return f"code {code!r} comes from stage {owner!r}, not {stage!r}", f"stage: {owner}"
    return None


# ---------------------------------------------------------------- diagnostics


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """What a SARIF viewer shows for a diagnostic code: a PascalCase name (which differs
    from the id, as the SARIF validator asks), a one-line summary, the full description
    and help on what to do about it."""

    name: str
    short: str
    full: str
    help: str


def _c(name: str, short: str, full: str, help: str) -> CodeInfo:
    return CodeInfo(name, short, full, help)


DIAGNOSTICS: dict[str, CodeInfo] = {
    # reading files (DESIGN §9 bounds)
    "no-such-path": _c("NoSuchPath", "A path does not exist.",
        "A path given on the command line, or a runtime config's spec.rules, names nothing on disk.",
        "Check the spelling; paths in a runtime config are relative to the config file."),
    "no-documents": _c("NoDocuments", "No YAML files were found.",
        "The directory holds no .yaml or .yml files, so there is nothing to check.",
        "Point at the folder that holds the rule files."),
    "unreadable": _c("FileUnreadable", "A file cannot be read.",
        "The file could not be opened or read (permissions, a broken link, or it is not UTF-8).",
        "Make the file readable and save it as UTF-8."),
    "file-too-large": _c("FileTooLarge", "A rules file is larger than 1 MiB.",
        "Rules files are at most 1 MiB so that no input can exhaust the engine.",
        "Split the file into several files in the same folder."),
    "alias-expansion": _c("AliasExpansion", "YAML aliases expand to too many nodes.",
        "Anchors and aliases may repeat parts of a document up to 10,000 nodes in all.",
        "Write the repeated parts out, or use extends to share a base policy."),
    "alias-cycle": _c("AliasCycle", "A YAML alias refers to itself.",
        "An alias that contains its own anchor would expand forever.",
        "Remove the alias from inside the anchored node."),
    "too-deep": _c("TooDeep", "Nesting is deeper than allowed.",
        "YAML nesting is at most 64 levels deep, and expressions have a nesting bound of their own.",
        "Flatten the structure or split the expression."),
    "number-too-long": _c("NumberTooLong", "An integer literal has more than 30 digits.",
        "Integer literals are at most 30 digits long so that reading them stays cheap.",
        "Use a smaller number."),
    "yaml-syntax": _c("YamlSyntax", "The YAML does not parse.",
        "The file is not well-formed YAML at this place.",
        "Fix the indentation, quoting or brackets at the position shown."),
    "yaml-key": _c("YamlKey", "A mapping key is not a plain word.",
        "Keys must be plain scalars; lists, maps or nulls as keys have no meaning in a document.",
        "Write the key as a plain word."),
    "duplicate-key": _c("DuplicateKey", "A key appears twice in one mapping.",
        "YAML would silently keep the last value; ordergate refuses the ambiguity.",
        "Remove or merge one of the two keys."),
    # documents and their shape
    "not-a-document": _c("NotADocument", "A YAML document is not a mapping.",
        "Every document must be a mapping with apiVersion, kind, metadata and spec.",
        "Start the document with apiVersion: ordergate/v1 and a kind."),
    "api-version": _c("ApiVersion", "The apiVersion is missing or unknown.",
        "Every document names a supported apiVersion; the message lists the supported ones.",
        "Use apiVersion: ordergate/v1, or run ordergate migrate."),
    "kind": _c("UnknownKind", "The kind is missing or unknown.",
        "Every document is a RiskPolicy, a PolicyTest or a Runtime.",
        "Use one of the kinds the message lists."),
    "schema": _c("SchemaViolation", "The document does not match its schema.",
        "A value breaks a rule of the document's JSON Schema that no more specific code covers.",
        "Compare with ordergate schema KIND; editors can complete from it."),
    "unknown-field": _c("UnknownField", "A field is not known here.",
        "The field is not part of this section; a misspelt field would otherwise be ignored.",
        "Use the field the hint suggests, or remove it."),
    "missing-field": _c("MissingField", "A required field is missing.",
        "This section, case or connection needs the field the message names.",
        "Add the field."),
    "type": _c("WrongType", "A value has the wrong type.",
        "The field expects another type of value (a number, a string, a list, true/false).",
        "Write the value as the message says."),
    "enum": _c("NotAnAllowedValue", "A value is not one of the allowed choices.",
        "The field takes one of a fixed set of values, listed in the message.",
        "Use one of the listed values."),
    "format": _c("BadFormat", "A value is not in the expected format.",
        "Times of day, durations, instants, listen addresses and store URLs have a fixed format.",
        "Write the value as the message's example shows."),
    "range": _c("OutOfRange", "A number is outside its range.",
        "Limits, sizes and durations have ranges from the seeds (for example 1-10,000 contracts).",
        "Use a value within the range the message gives."),
    "empty": _c("EmptyValue", "A value is empty.",
        "The field must not be empty.",
        "Give the field a value, or remove it."),
    "duplicate-name": _c("DuplicateName", "A name is used twice.",
        "Documents of one kind, rules of a policy, cases of a test, connections and accounts must each have unique names.",
        "Rename one of the two."),
    "missing-version": _c("MissingVersion", "A policy has no metadata.version.",
        "Decisions show name@version; without a version they show @1 and changes cannot be told apart.",
        "Add version: 1 and bump it with every change."),
    "literal-secret": _c("LiteralSecret", "A secret is written in the file.",
        "Passwords, tokens and keys must not live in files that are committed to git.",
        "Reference it as ${env:NAME} and set NAME in the environment."),
    # policies
    "extends-missing": _c("ExtendsMissing", "A policy extends one that is not in the bundle.",
        "extends names a base policy that must be in the same rules folder.",
        "Add the base policy, or correct the name."),
    "extends-cycle": _c("ExtendsCycle", "Policies extend each other in a cycle.",
        "A chain of extends that comes back to a policy it started from has no base.",
        "Break the cycle."),
    "duplicate-pattern": _c("DuplicatePattern", "Two policies bind the same account pattern.",
        "The same pattern in two policies would make every matching account ambiguous.",
        "Keep the pattern in one policy only."),
    "timezone": _c("UnknownTimezone", "An unknown timezone.",
        "The timezone must be an IANA zone name such as America/New_York.",
        "Use the zone the hint suggests."),
    "blackout-order": _c("BlackoutOrder", "A blackout ends before it starts.",
        "A one-time blackout must end after it starts; a recurring one may not start and end at the same time.",
        "Swap or correct the start and end."),
    "lock-kind": _c("LockKind", "An unknown lock kind.",
        "A lock is manual, 6h, 12h, session:<boundary> or an HH:MM wall time.",
        "Use one of those; the hint names the closest session boundary."),
    "enforce-manual": _c("EnforceManual", "enforce with a manual lock.",
        "An enforced lock cannot be lifted before it expires, and a manual lock never expires.",
        "Set lock to 6h, 12h, session:<boundary> or HH:MM, or drop enforce."),
    "enforce-alert": _c("EnforceAlert", "enforce with alert_only has no effect.",
        "alert_only never locks, so there is no lock to enforce.",
        "Drop enforce, or choose lock or flatten_and_lock."),
    "ignored": _c("IgnoredSetting", "A setting has no effect.",
        "The setting is valid but does nothing where it is (for example max_contracts in block mode).",
        "Remove it."),
    "unknown-symbol": _c("UnknownSymbol", "A symbol is not in the contract table.",
        "Contract rules match orders by root; a root the table lacks matches only that exact spelling.",
        "Use a root of the contract table, such as ES, NQ or CL."),
    "symbol-root": _c("SymbolRoot", "A contract is read as its root.",
        "Contract rules apply to every expiry of a root, so a dated contract is read as the root.",
        "Write the root (ES rather than ESZ6)."),
    # expressions
    "expr-syntax": _c("ExprSyntax", "A rule's expression does not parse.",
        "The when: expression breaks the grammar of the rule language at the place shown.",
        "Fix the expression at the caret."),
    "expr-type": _c("ExprType", "A rule's expression mixes types.",
        "Expressions are type-checked: money compares with money, times with times, weekdays only with ==, != and in.",
        "Compare values of the same type."),
    "expr-literal": _c("ExprLiteral", "A literal in an expression is not valid.",
        "A time of day, date or duration literal names no real value.",
        "Write a valid literal (times 00:00-23:59, real calendar dates)."),
    "unknown-name": _c("UnknownName", "An unknown name in an expression.",
        "Expressions may use order.*, position.*, account.*, daily.*, weekly.*, quote.* and now.*.",
        "Use the name the hint suggests."),
    "expression-too-long": _c("ExpressionTooLong", "An expression is longer than 4,096 characters.",
        "Expressions are bounded so that no input can exhaust the parser.",
        "Split the rule into several rules."),
    # policy tests
    "unknown-policy": _c("UnknownPolicy", "A test names a policy that is not in the bundle.",
        "spec.policy of a PolicyTest must name a RiskPolicy in the same rules folder.",
        "Use the name the hint suggests."),
    "policy-not-loaded": _c("PolicyNotLoaded", "A test names a policy that has errors.",
        "A consequence: the policy is in the bundle but does not compile, so its tests cannot run.",
        "Fix the errors reported for the policy's own file first."),
    "unknown-stage": _c("UnknownStage", "expect.stage names no stage of the check chain.",
        "A case expecting a stage that does not exist could never pass.",
        "Use a stage the hint suggests: locked, enabled, hours, blackout, quote_health, positions, pnl_limits, contracts, rules."),
    "unknown-code": _c("UnknownCode", "expect.code or a warning names no code of that stage.",
        "A case expecting a code no decision carries, or one of another stage, could never pass.",
        "Use the code the hint suggests, or rule:<name> for a custom rule."),
    "input": _c("InvalidCaseInput", "A case's order or state is not valid.",
        "The order or state of a test case breaks the shapes ordergate check and the API accept.",
        "Correct the field the message names."),
    "expired-contract": _c("ExpiredContract", "An order names a contract month that has ended.",
        "The contract month ended before the case's at (or check's --at), so no exchange trades it.",
        "Name a current contract month, or the root."),
    # runtime configs
    "not-for-broker": _c("NotForBroker", "A connection setting does not apply to its broker.",
        "Feeds are for paper connections, connection modes for ProjectX.",
        "Remove the setting."),
    "plan-limit": _c("PlanLimit", "More connections or accounts than the plan allows.",
        "Plans limit connections and accounts: starter 2/10, pro 5/20, ultra unlimited/150.",
        "Choose the plan the message names, or remove connections or accounts."),
    # the runtime's reload
    "no-policies": _c("NoPolicies", "The rules hold no RiskPolicy.",
        "A bundle with no policy would block every entry; the runtime keeps the last good one.",
        "Add a RiskPolicy document."),
    "rules-changing": _c("RulesChanging", "The rules kept changing while they were read.",
        "A reload reads only a tree that stayed the same while it was read.",
        "Wait for the writes to finish; the runtime reads again by itself."),
    "load-failed": _c("LoadFailed", "The rules could not be loaded.",
        "Loading raised an unexpected error; the last good policy stays active.",
        "Report it: this is a defect in ordergate."),
    "internal-error": _c("InternalError", "ordergate failed while checking this file.",
        "A stage of the engine raised an exception; the file is reported rather than the run ending.",
        "Report it with the file: this is a defect in ordergate."),
}  # fmt: skip


def describe(code: str) -> CodeInfo:
    """The table's entry, or a plain one for a code the table lacks (a test forbids that)."""
    return DIAGNOSTICS.get(code) or CodeInfo(
        "".join(part.title() for part in code.split("-")) or "Unknown", code, code, code
    )
