# Generated from schemas/riskpolicy.v1.json by fastjsonschema (ordergate.policy.light_models.validator_source); do not edit.
# tests/test_light_models.py fails when it is stale: regenerate with
#   python -m ordergate.policy.light_models --write
# ruff: noqa
# mypy: ignore-errors
# fmt: off
VERSION = "2.22.3"
from decimal import Decimal
import re
from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^[a-z0-9][a-z0-9-]*$': re.compile('^[a-z0-9][a-z0-9-]*\\Z'),
    '^([01]?[0-9]|2[0-3]):[0-5][0-9]$': re.compile('^([01]?[0-9]|2[0-3]):[0-5][0-9]\\Z'),
    '^(manual|6h|12h|session:[a-z_]+|([01]?[0-9]|2[0-3]):[0-5][0-9])$': re.compile('^(manual|6h|12h|session:[a-z_]+|([01]?[0-9]|2[0-3]):[0-5][0-9])\\Z')
}

NoneType = type(None)

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['apiVersion', 'kind', 'metadata', 'spec']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "apiVersion" in data_keys:
            data_keys.remove("apiVersion")
            data__apiVersion = data["apiVersion"]
            if not isinstance(data__apiVersion, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".apiVersion must be string")
            if not (isinstance(data__apiVersion, str) and data__apiVersion == 'ordergate/v1'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".apiVersion must be one of ['ordergate/v1']")
        if "kind" in data_keys:
            data_keys.remove("kind")
            data__kind = data["kind"]
            if not isinstance(data__kind, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".kind must be string")
            if not (isinstance(data__kind, str) and data__kind == 'RiskPolicy'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".kind must be one of ['RiskPolicy']")
        if "metadata" in data_keys:
            data_keys.remove("metadata")
            data__metadata = data["metadata"]
            validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_metadata(data__metadata, custom_formats, (name_prefix or "data") + ".metadata")
        if "spec" in data_keys:
            data_keys.remove("spec")
            data__spec = data["spec"]
            validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_riskpolicyspec(data__spec, custom_formats, (name_prefix or "data") + ".spec")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_riskpolicyspec(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "accounts" in data_keys:
            data_keys.remove("accounts")
            data__accounts = data["accounts"]
            if not isinstance(data__accounts, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".accounts must be array")
            data__accounts_is_list = isinstance(data__accounts, (list, tuple))
            if data__accounts_is_list:
                data__accounts_len = len(data__accounts)
                for data__accounts_x, data__accounts_item in enumerate(data__accounts):
                    if not isinstance(data__accounts_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".accounts[{data__accounts_x}]".format(**locals()) + " must be string")
        if "extends" in data_keys:
            data_keys.remove("extends")
            data__extends = data["extends"]
            data__extends_any_of_count1 = 0
            if not data__extends_any_of_count1:
                try:
                    if not isinstance(data__extends, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".extends must be string")
                    if isinstance(data__extends, str):
                        if not REGEX_PATTERNS['^[a-z0-9][a-z0-9-]*$'].search(data__extends):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".extends must match pattern ^[a-z0-9][a-z0-9-]*$")
                    data__extends_any_of_count1 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__extends_any_of_count1:
                try:
                    if not isinstance(data__extends, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".extends must be null")
                    data__extends_any_of_count1 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__extends_any_of_count1:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".extends cannot be validated by any definition")
        if "timezone" in data_keys:
            data_keys.remove("timezone")
            data__timezone = data["timezone"]
            if not isinstance(data__timezone, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".timezone must be string")
        if "limits" in data_keys:
            data_keys.remove("limits")
            data__limits = data["limits"]
            data__limits_any_of_count2 = 0
            if not data__limits_any_of_count2:
                try:
                    validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_limits(data__limits, custom_formats, (name_prefix or "data") + ".limits")
                    data__limits_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__limits_any_of_count2:
                try:
                    if not isinstance(data__limits, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".limits must be null")
                    data__limits_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__limits_any_of_count2:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".limits cannot be validated by any definition")
        if "hours" in data_keys:
            data_keys.remove("hours")
            data__hours = data["hours"]
            data__hours_any_of_count3 = 0
            if not data__hours_any_of_count3:
                try:
                    validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_hours(data__hours, custom_formats, (name_prefix or "data") + ".hours")
                    data__hours_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__hours_any_of_count3:
                try:
                    if not isinstance(data__hours, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".hours must be null")
                    data__hours_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__hours_any_of_count3:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".hours cannot be validated by any definition")
        if "blackouts" in data_keys:
            data_keys.remove("blackouts")
            data__blackouts = data["blackouts"]
            data__blackouts_any_of_count4 = 0
            if not data__blackouts_any_of_count4:
                try:
                    if not isinstance(data__blackouts, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".blackouts must be array")
                    data__blackouts_is_list = isinstance(data__blackouts, (list, tuple))
                    if data__blackouts_is_list:
                        data__blackouts_len = len(data__blackouts)
                        for data__blackouts_x, data__blackouts_item in enumerate(data__blackouts):
                            validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_blackout(data__blackouts_item, custom_formats, (name_prefix or "data") + ".blackouts[{data__blackouts_x}]".format(**locals()))
                    data__blackouts_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__blackouts_any_of_count4:
                try:
                    if not isinstance(data__blackouts, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".blackouts must be null")
                    data__blackouts_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__blackouts_any_of_count4:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".blackouts cannot be validated by any definition")
        if "positions" in data_keys:
            data_keys.remove("positions")
            data__positions = data["positions"]
            data__positions_any_of_count5 = 0
            if not data__positions_any_of_count5:
                try:
                    validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_positions(data__positions, custom_formats, (name_prefix or "data") + ".positions")
                    data__positions_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__positions_any_of_count5:
                try:
                    if not isinstance(data__positions, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".positions must be null")
                    data__positions_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__positions_any_of_count5:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".positions cannot be validated by any definition")
        if "contracts" in data_keys:
            data_keys.remove("contracts")
            data__contracts = data["contracts"]
            data__contracts_any_of_count6 = 0
            if not data__contracts_any_of_count6:
                try:
                    if not isinstance(data__contracts, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".contracts must be array")
                    data__contracts_is_list = isinstance(data__contracts, (list, tuple))
                    if data__contracts_is_list:
                        data__contracts_len = len(data__contracts)
                        for data__contracts_x, data__contracts_item in enumerate(data__contracts):
                            validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_contractrule(data__contracts_item, custom_formats, (name_prefix or "data") + ".contracts[{data__contracts_x}]".format(**locals()))
                    data__contracts_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__contracts_any_of_count6:
                try:
                    if not isinstance(data__contracts, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".contracts must be null")
                    data__contracts_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__contracts_any_of_count6:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".contracts cannot be validated by any definition")
        if "quote_health" in data_keys:
            data_keys.remove("quote_health")
            data__quotehealth = data["quote_health"]
            data__quotehealth_any_of_count7 = 0
            if not data__quotehealth_any_of_count7:
                try:
                    validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_quotehealth(data__quotehealth, custom_formats, (name_prefix or "data") + ".quote_health")
                    data__quotehealth_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__quotehealth_any_of_count7:
                try:
                    if not isinstance(data__quotehealth, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".quote_health must be null")
                    data__quotehealth_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__quotehealth_any_of_count7:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".quote_health cannot be validated by any definition")
        if "sync_divergence_guard" in data_keys:
            data_keys.remove("sync_divergence_guard")
            data__syncdivergenceguard = data["sync_divergence_guard"]
            if not isinstance(data__syncdivergenceguard, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".sync_divergence_guard must be boolean")
        if "rules" in data_keys:
            data_keys.remove("rules")
            data__rules = data["rules"]
            data__rules_any_of_count8 = 0
            if not data__rules_any_of_count8:
                try:
                    if not isinstance(data__rules, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".rules must be array")
                    data__rules_is_list = isinstance(data__rules, (list, tuple))
                    if data__rules_is_list:
                        data__rules_len = len(data__rules)
                        for data__rules_x, data__rules_item in enumerate(data__rules):
                            validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_customrule(data__rules_item, custom_formats, (name_prefix or "data") + ".rules[{data__rules_x}]".format(**locals()))
                    data__rules_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rules_any_of_count8:
                try:
                    if not isinstance(data__rules, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".rules must be null")
                    data__rules_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__rules_any_of_count8:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".rules cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_customrule(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['name', 'when']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            if not isinstance(data__name, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string")
            if isinstance(data__name, str):
                if not REGEX_PATTERNS['^[a-z0-9][a-z0-9-]*$'].search(data__name):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must match pattern ^[a-z0-9][a-z0-9-]*$")
        if "when" in data_keys:
            data_keys.remove("when")
            data__when = data["when"]
            if not isinstance(data__when, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".when must be string")
            if isinstance(data__when, str):
                data__when_len = len(data__when)
                if data__when_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".when must be longer than or equal to 1 characters")
        if "action" in data_keys:
            data_keys.remove("action")
            data__action = data["action"]
            if not isinstance(data__action, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".action must be string")
            if not (isinstance(data__action, str) and data__action == 'block' or isinstance(data__action, str) and data__action == 'warn'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".action must be one of ['block', 'warn']")
        if "message" in data_keys:
            data_keys.remove("message")
            data__message = data["message"]
            data__message_any_of_count9 = 0
            if not data__message_any_of_count9:
                try:
                    if not isinstance(data__message, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".message must be string")
                    data__message_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__message_any_of_count9:
                try:
                    if not isinstance(data__message, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".message must be null")
                    data__message_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__message_any_of_count9:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".message cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_quotehealth(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "policy" in data_keys:
            data_keys.remove("policy")
            data__policy = data["policy"]
            if not isinstance(data__policy, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".policy must be string")
            if not (isinstance(data__policy, str) and data__policy == 'strict' or isinstance(data__policy, str) and data__policy == 'warn'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".policy must be one of ['strict', 'warn']")
        if "stale_after" in data_keys:
            data_keys.remove("stale_after")
            data__staleafter = data["stale_after"]
            data__staleafter_any_of_count10 = 0
            if not data__staleafter_any_of_count10:
                try:
                    if not isinstance(data__staleafter, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".stale_after must be string")
                    data__staleafter_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__staleafter_any_of_count10:
                try:
                    if not isinstance(data__staleafter, (int)) and not (isinstance(data__staleafter, float) and data__staleafter.is_integer()) or isinstance(data__staleafter, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".stale_after must be integer")
                    data__staleafter_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__staleafter_any_of_count10:
                try:
                    if not isinstance(data__staleafter, (int, float, Decimal)) or isinstance(data__staleafter, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".stale_after must be number")
                    data__staleafter_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__staleafter_any_of_count10:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".stale_after cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_contractrule(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['symbol', 'mode']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "symbol" in data_keys:
            data_keys.remove("symbol")
            data__symbol = data["symbol"]
            if not isinstance(data__symbol, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".symbol must be string")
            if isinstance(data__symbol, str):
                data__symbol_len = len(data__symbol)
                if data__symbol_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".symbol must be longer than or equal to 1 characters")
        if "mode" in data_keys:
            data_keys.remove("mode")
            data__mode = data["mode"]
            if not isinstance(data__mode, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".mode must be string")
            if not (isinstance(data__mode, str) and data__mode == 'block' or isinstance(data__mode, str) and data__mode == 'cap'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".mode must be one of ['block', 'cap']")
        if "max_contracts" in data_keys:
            data_keys.remove("max_contracts")
            data__maxcontracts = data["max_contracts"]
            data__maxcontracts_any_of_count11 = 0
            if not data__maxcontracts_any_of_count11:
                try:
                    if not isinstance(data__maxcontracts, (int)) and not (isinstance(data__maxcontracts, float) and data__maxcontracts.is_integer()) or isinstance(data__maxcontracts, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_contracts must be integer")
                    if isinstance(data__maxcontracts, (int, float, Decimal)) and not isinstance(data__maxcontracts, bool):
                        if data__maxcontracts < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_contracts must be bigger than or equal to 1")
                        if data__maxcontracts > 10000:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_contracts must be smaller than or equal to 10000")
                    data__maxcontracts_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__maxcontracts_any_of_count11:
                try:
                    if not isinstance(data__maxcontracts, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_contracts must be null")
                    data__maxcontracts_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__maxcontracts_any_of_count11:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_contracts cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_positions(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "max_contracts_per_order" in data_keys:
            data_keys.remove("max_contracts_per_order")
            data__maxcontractsperorder = data["max_contracts_per_order"]
            data__maxcontractsperorder_any_of_count12 = 0
            if not data__maxcontractsperorder_any_of_count12:
                try:
                    if not isinstance(data__maxcontractsperorder, (int)) and not (isinstance(data__maxcontractsperorder, float) and data__maxcontractsperorder.is_integer()) or isinstance(data__maxcontractsperorder, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_contracts_per_order must be integer")
                    if isinstance(data__maxcontractsperorder, (int, float, Decimal)) and not isinstance(data__maxcontractsperorder, bool):
                        if data__maxcontractsperorder < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_contracts_per_order must be bigger than or equal to 1")
                        if data__maxcontractsperorder > 10000:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_contracts_per_order must be smaller than or equal to 10000")
                    data__maxcontractsperorder_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__maxcontractsperorder_any_of_count12:
                try:
                    if not isinstance(data__maxcontractsperorder, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_contracts_per_order must be null")
                    data__maxcontractsperorder_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__maxcontractsperorder_any_of_count12:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_contracts_per_order cannot be validated by any definition")
        if "max_position_size" in data_keys:
            data_keys.remove("max_position_size")
            data__maxpositionsize = data["max_position_size"]
            data__maxpositionsize_any_of_count13 = 0
            if not data__maxpositionsize_any_of_count13:
                try:
                    if not isinstance(data__maxpositionsize, (int)) and not (isinstance(data__maxpositionsize, float) and data__maxpositionsize.is_integer()) or isinstance(data__maxpositionsize, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_position_size must be integer")
                    if isinstance(data__maxpositionsize, (int, float, Decimal)) and not isinstance(data__maxpositionsize, bool):
                        if data__maxpositionsize < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_position_size must be bigger than or equal to 1")
                        if data__maxpositionsize > 10000:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_position_size must be smaller than or equal to 10000")
                    data__maxpositionsize_any_of_count13 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__maxpositionsize_any_of_count13:
                try:
                    if not isinstance(data__maxpositionsize, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_position_size must be null")
                    data__maxpositionsize_any_of_count13 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__maxpositionsize_any_of_count13:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_position_size cannot be validated by any definition")
        if "max_open_positions" in data_keys:
            data_keys.remove("max_open_positions")
            data__maxopenpositions = data["max_open_positions"]
            data__maxopenpositions_any_of_count14 = 0
            if not data__maxopenpositions_any_of_count14:
                try:
                    if not isinstance(data__maxopenpositions, (int)) and not (isinstance(data__maxopenpositions, float) and data__maxopenpositions.is_integer()) or isinstance(data__maxopenpositions, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_open_positions must be integer")
                    if isinstance(data__maxopenpositions, (int, float, Decimal)) and not isinstance(data__maxopenpositions, bool):
                        if data__maxopenpositions < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_open_positions must be bigger than or equal to 1")
                        if data__maxopenpositions > 100:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_open_positions must be smaller than or equal to 100")
                    data__maxopenpositions_any_of_count14 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__maxopenpositions_any_of_count14:
                try:
                    if not isinstance(data__maxopenpositions, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_open_positions must be null")
                    data__maxopenpositions_any_of_count14 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__maxopenpositions_any_of_count14:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".max_open_positions cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_blackout(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['name', 'start', 'end']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            if not isinstance(data__name, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string")
            if isinstance(data__name, str):
                data__name_len = len(data__name)
                if data__name_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be longer than or equal to 1 characters")
        if "start" in data_keys:
            data_keys.remove("start")
            data__start = data["start"]
            if not isinstance(data__start, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".start must be string")
        if "end" in data_keys:
            data_keys.remove("end")
            data__end = data["end"]
            if not isinstance(data__end, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".end must be string")
        if "every" in data_keys:
            data_keys.remove("every")
            data__every = data["every"]
            data__every_any_of_count15 = 0
            if not data__every_any_of_count15:
                try:
                    if not isinstance(data__every, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".every must be string")
                    if not (isinstance(data__every, str) and data__every == 'mon' or isinstance(data__every, str) and data__every == 'tue' or isinstance(data__every, str) and data__every == 'wed' or isinstance(data__every, str) and data__every == 'thu' or isinstance(data__every, str) and data__every == 'fri' or isinstance(data__every, str) and data__every == 'sat' or isinstance(data__every, str) and data__every == 'sun'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".every must be one of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']")
                    data__every_any_of_count15 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__every_any_of_count15:
                try:
                    if not isinstance(data__every, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".every must be array")
                    data__every_is_list = isinstance(data__every, (list, tuple))
                    if data__every_is_list:
                        data__every_len = len(data__every)
                        for data__every_x, data__every_item in enumerate(data__every):
                            if not isinstance(data__every_item, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".every[{data__every_x}]".format(**locals()) + " must be string")
                            if not (isinstance(data__every_item, str) and data__every_item == 'mon' or isinstance(data__every_item, str) and data__every_item == 'tue' or isinstance(data__every_item, str) and data__every_item == 'wed' or isinstance(data__every_item, str) and data__every_item == 'thu' or isinstance(data__every_item, str) and data__every_item == 'fri' or isinstance(data__every_item, str) and data__every_item == 'sat' or isinstance(data__every_item, str) and data__every_item == 'sun'):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".every[{data__every_x}]".format(**locals()) + " must be one of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']")
                    data__every_any_of_count15 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__every_any_of_count15:
                try:
                    if not isinstance(data__every, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".every must be null")
                    data__every_any_of_count15 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__every_any_of_count15:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".every cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_hours(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "start" in data_keys:
            data_keys.remove("start")
            data__start = data["start"]
            if not isinstance(data__start, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".start must be string")
            if isinstance(data__start, str):
                if not REGEX_PATTERNS['^([01]?[0-9]|2[0-3]):[0-5][0-9]$'].search(data__start):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".start must match pattern ^([01]?[0-9]|2[0-3]):[0-5][0-9]$")
        if "end" in data_keys:
            data_keys.remove("end")
            data__end = data["end"]
            if not isinstance(data__end, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".end must be string")
            if isinstance(data__end, str):
                if not REGEX_PATTERNS['^([01]?[0-9]|2[0-3]):[0-5][0-9]$'].search(data__end):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".end must match pattern ^([01]?[0-9]|2[0-3]):[0-5][0-9]$")
        if "days" in data_keys:
            data_keys.remove("days")
            data__days = data["days"]
            if not isinstance(data__days, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".days must be array")
            data__days_is_list = isinstance(data__days, (list, tuple))
            if data__days_is_list:
                data__days_len = len(data__days)
                if data__days_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".days must contain at least 1 items")
                for data__days_x, data__days_item in enumerate(data__days):
                    if not isinstance(data__days_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".days[{data__days_x}]".format(**locals()) + " must be string")
                    if not (isinstance(data__days_item, str) and data__days_item == 'mon' or isinstance(data__days_item, str) and data__days_item == 'tue' or isinstance(data__days_item, str) and data__days_item == 'wed' or isinstance(data__days_item, str) and data__days_item == 'thu' or isinstance(data__days_item, str) and data__days_item == 'fri' or isinstance(data__days_item, str) and data__days_item == 'sat' or isinstance(data__days_item, str) and data__days_item == 'sun'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".days[{data__days_x}]".format(**locals()) + " must be one of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']")
        if "exit_before" in data_keys:
            data_keys.remove("exit_before")
            data__exitbefore = data["exit_before"]
            data__exitbefore_any_of_count16 = 0
            if not data__exitbefore_any_of_count16:
                try:
                    if not isinstance(data__exitbefore, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".exit_before must be boolean")
                    data__exitbefore_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__exitbefore_any_of_count16:
                try:
                    if not isinstance(data__exitbefore, (int)) and not (isinstance(data__exitbefore, float) and data__exitbefore.is_integer()) or isinstance(data__exitbefore, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".exit_before must be integer")
                    data__exitbefore_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__exitbefore_any_of_count16:
                try:
                    if not isinstance(data__exitbefore, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".exit_before must be string")
                    data__exitbefore_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__exitbefore_any_of_count16:
                try:
                    if not isinstance(data__exitbefore, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".exit_before must be null")
                    data__exitbefore_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__exitbefore_any_of_count16:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".exit_before cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_limits(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "daily" in data_keys:
            data_keys.remove("daily")
            data__daily = data["daily"]
            data__daily_any_of_count17 = 0
            if not data__daily_any_of_count17:
                try:
                    validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_dailylimits(data__daily, custom_formats, (name_prefix or "data") + ".daily")
                    data__daily_any_of_count17 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__daily_any_of_count17:
                try:
                    if not isinstance(data__daily, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".daily must be null")
                    data__daily_any_of_count17 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__daily_any_of_count17:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".daily cannot be validated by any definition")
        if "weekly" in data_keys:
            data_keys.remove("weekly")
            data__weekly = data["weekly"]
            data__weekly_any_of_count18 = 0
            if not data__weekly_any_of_count18:
                try:
                    validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_weeklylimits(data__weekly, custom_formats, (name_prefix or "data") + ".weekly")
                    data__weekly_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__weekly_any_of_count18:
                try:
                    if not isinstance(data__weekly, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".weekly must be null")
                    data__weekly_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__weekly_any_of_count18:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".weekly cannot be validated by any definition")
        if "trailing_drawdown" in data_keys:
            data_keys.remove("trailing_drawdown")
            data__trailingdrawdown = data["trailing_drawdown"]
            data__trailingdrawdown_any_of_count19 = 0
            if not data__trailingdrawdown_any_of_count19:
                try:
                    validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_trailingdrawdown(data__trailingdrawdown, custom_formats, (name_prefix or "data") + ".trailing_drawdown")
                    data__trailingdrawdown_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__trailingdrawdown_any_of_count19:
                try:
                    if not isinstance(data__trailingdrawdown, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".trailing_drawdown must be null")
                    data__trailingdrawdown_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__trailingdrawdown_any_of_count19:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".trailing_drawdown cannot be validated by any definition")
        if "on_breach" in data_keys:
            data_keys.remove("on_breach")
            data__onbreach = data["on_breach"]
            data__onbreach_any_of_count20 = 0
            if not data__onbreach_any_of_count20:
                try:
                    validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_onbreach(data__onbreach, custom_formats, (name_prefix or "data") + ".on_breach")
                    data__onbreach_any_of_count20 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__onbreach_any_of_count20:
                try:
                    if not isinstance(data__onbreach, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".on_breach must be null")
                    data__onbreach_any_of_count20 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__onbreach_any_of_count20:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".on_breach cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_onbreach(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "action" in data_keys:
            data_keys.remove("action")
            data__action = data["action"]
            if not isinstance(data__action, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".action must be string")
            if not (isinstance(data__action, str) and data__action == 'alert_only' or isinstance(data__action, str) and data__action == 'lock' or isinstance(data__action, str) and data__action == 'flatten_and_lock'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".action must be one of ['alert_only', 'lock', 'flatten_and_lock']")
        if "lock" in data_keys:
            data_keys.remove("lock")
            data__lock = data["lock"]
            if not isinstance(data__lock, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock must be string")
            if isinstance(data__lock, str):
                if not REGEX_PATTERNS['^(manual|6h|12h|session:[a-z_]+|([01]?[0-9]|2[0-3]):[0-5][0-9])$'].search(data__lock):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock must match pattern ^(manual|6h|12h|session:[a-z_]+|([01]?[0-9]|2[0-3]):[0-5][0-9])$")
        if "enforce" in data_keys:
            data_keys.remove("enforce")
            data__enforce = data["enforce"]
            if not isinstance(data__enforce, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".enforce must be boolean")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_trailingdrawdown(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['amount']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "amount" in data_keys:
            data_keys.remove("amount")
            data__amount = data["amount"]
            if not isinstance(data__amount, (int, float, Decimal)) or isinstance(data__amount, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".amount must be number")
            if isinstance(data__amount, (int, float, Decimal)) and not isinstance(data__amount, bool):
                if data__amount > 5000000:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".amount must be smaller than or equal to 5000000")
                if data__amount <= 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".amount must be bigger than 0")
        if "mode" in data_keys:
            data_keys.remove("mode")
            data__mode = data["mode"]
            if not isinstance(data__mode, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".mode must be string")
            if not (isinstance(data__mode, str) and data__mode == 'intraday' or isinstance(data__mode, str) and data__mode == 'end_of_day'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".mode must be one of ['intraday', 'end_of_day']")
        if "stop_at" in data_keys:
            data_keys.remove("stop_at")
            data__stopat = data["stop_at"]
            data__stopat_any_of_count21 = 0
            if not data__stopat_any_of_count21:
                try:
                    if not isinstance(data__stopat, (int, float, Decimal)) or isinstance(data__stopat, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".stop_at must be number")
                    if isinstance(data__stopat, (int, float, Decimal)) and not isinstance(data__stopat, bool):
                        if data__stopat <= 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".stop_at must be bigger than 0")
                    data__stopat_any_of_count21 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__stopat_any_of_count21:
                try:
                    if not isinstance(data__stopat, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".stop_at must be null")
                    data__stopat_any_of_count21 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__stopat_any_of_count21:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".stop_at cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_weeklylimits(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "loss" in data_keys:
            data_keys.remove("loss")
            data__loss = data["loss"]
            if not isinstance(data__loss, (int, float, Decimal)) or isinstance(data__loss, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".loss must be number")
            if isinstance(data__loss, (int, float, Decimal)) and not isinstance(data__loss, bool):
                if data__loss < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".loss must be bigger than or equal to 0")
                if data__loss > 5000000:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".loss must be smaller than or equal to 5000000")
        if "profit_target" in data_keys:
            data_keys.remove("profit_target")
            data__profittarget = data["profit_target"]
            if not isinstance(data__profittarget, (int, float, Decimal)) or isinstance(data__profittarget, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".profit_target must be number")
            if isinstance(data__profittarget, (int, float, Decimal)) and not isinstance(data__profittarget, bool):
                if data__profittarget < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".profit_target must be bigger than or equal to 0")
                if data__profittarget > 5000000:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".profit_target must be smaller than or equal to 5000000")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_dailylimits(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "loss" in data_keys:
            data_keys.remove("loss")
            data__loss = data["loss"]
            if not isinstance(data__loss, (int, float, Decimal)) or isinstance(data__loss, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".loss must be number")
            if isinstance(data__loss, (int, float, Decimal)) and not isinstance(data__loss, bool):
                if data__loss < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".loss must be bigger than or equal to 0")
                if data__loss > 1000000:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".loss must be smaller than or equal to 1000000")
        if "profit_target" in data_keys:
            data_keys.remove("profit_target")
            data__profittarget = data["profit_target"]
            if not isinstance(data__profittarget, (int, float, Decimal)) or isinstance(data__profittarget, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".profit_target must be number")
            if isinstance(data__profittarget, (int, float, Decimal)) and not isinstance(data__profittarget, bool):
                if data__profittarget < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".profit_target must be bigger than or equal to 0")
                if data__profittarget > 1000000:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".profit_target must be smaller than or equal to 1000000")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_riskpolicy_v1_json___defs_metadata(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['name']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "name" in data_keys:
            data_keys.remove("name")
            data__name = data["name"]
            if not isinstance(data__name, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string")
            if isinstance(data__name, str):
                if not REGEX_PATTERNS['^[a-z0-9][a-z0-9-]*$'].search(data__name):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must match pattern ^[a-z0-9][a-z0-9-]*$")
        if "version" in data_keys:
            data_keys.remove("version")
            data__version = data["version"]
            data__version_any_of_count22 = 0
            if not data__version_any_of_count22:
                try:
                    if not isinstance(data__version, (int)) and not (isinstance(data__version, float) and data__version.is_integer()) or isinstance(data__version, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".version must be integer")
                    if isinstance(data__version, (int, float, Decimal)) and not isinstance(data__version, bool):
                        if data__version < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".version must be bigger than or equal to 1")
                    data__version_any_of_count22 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__version_any_of_count22:
                try:
                    if not isinstance(data__version, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".version must be null")
                    data__version_any_of_count22 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__version_any_of_count22:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".version cannot be validated by any definition")
        if "description" in data_keys:
            data_keys.remove("description")
            data__description = data["description"]
            data__description_any_of_count23 = 0
            if not data__description_any_of_count23:
                try:
                    if not isinstance(data__description, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".description must be string")
                    data__description_any_of_count23 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__description_any_of_count23:
                try:
                    if not isinstance(data__description, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".description must be null")
                    data__description_any_of_count23 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__description_any_of_count23:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".description cannot be validated by any definition")
        if "labels" in data_keys:
            data_keys.remove("labels")
            data__labels = data["labels"]
            data__labels_any_of_count24 = 0
            if not data__labels_any_of_count24:
                try:
                    if not isinstance(data__labels, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".labels must be object")
                    data__labels_is_dict = isinstance(data__labels, dict)
                    if data__labels_is_dict:
                        data__labels_keys = set(data__labels.keys())
                        for data__labels_key in data__labels_keys:
                            if data__labels_key not in []:
                                data__labels_value = data__labels.get(data__labels_key)
                                if not isinstance(data__labels_value, (str)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".labels.{data__labels_key}".format(**locals()) + " must be string")
                    data__labels_any_of_count24 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__labels_any_of_count24:
                try:
                    if not isinstance(data__labels, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".labels must be null")
                    data__labels_any_of_count24 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__labels_any_of_count24:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".labels cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

validate = validate_https___ordergate_dev_schemas_riskpolicy_v1_json

SCHEMA = {'$defs': {'Blackout': {'additionalProperties': False,
                        'properties': {'name': {'description': 'Shown in the block message, e.g. FOMC '
                                                               'Decision.',
                                                'minLength': 1,
                                                'title': 'Name',
                                                'type': 'string'},
                                       'start': {'description': 'One-time: local date-time YYYY-MM-DDTHH:MM; '
                                                                'recurring: HH:MM.',
                                                 'title': 'Start',
                                                 'type': 'string'},
                                       'end': {'description': 'One-time: local date-time; recurring: HH:MM '
                                                              '(earlier than start crosses midnight).',
                                               'title': 'End',
                                               'type': 'string'},
                                       'every': {'anyOf': [{'enum': ['mon',
                                                                     'tue',
                                                                     'wed',
                                                                     'thu',
                                                                     'fri',
                                                                     'sat',
                                                                     'sun'],
                                                            'type': 'string'},
                                                           {'items': {'enum': ['mon',
                                                                               'tue',
                                                                               'wed',
                                                                               'thu',
                                                                               'fri',
                                                                               'sat',
                                                                               'sun'],
                                                                      'type': 'string'},
                                                            'type': 'array'},
                                                           {'type': 'null'}],
                                                 'default': None,
                                                 'description': 'Makes the blackout recurring on these days '
                                                                'of every week.',
                                                 'title': 'Every'}},
                        'required': ['name', 'start', 'end'],
                        'title': 'Blackout',
                        'type': 'object'},
           'ContractRule': {'additionalProperties': False,
                            'properties': {'symbol': {'description': 'Canonical root, e.g. ES, NQ, GC.',
                                                      'minLength': 1,
                                                      'title': 'Symbol',
                                                      'type': 'string'},
                                           'mode': {'description': 'block prevents entries; cap limits '
                                                                   'contracts per order.',
                                                    'enum': ['block', 'cap'],
                                                    'title': 'Mode',
                                                    'type': 'string'},
                                           'max_contracts': {'anyOf': [{'maximum': 10000,
                                                                        'minimum': 1,
                                                                        'type': 'integer'},
                                                                       {'type': 'null'}],
                                                             'default': None,
                                                             'description': 'Cap per order (cap mode only).',
                                                             'title': 'Max Contracts'}},
                            'required': ['symbol', 'mode'],
                            'title': 'ContractRule',
                            'type': 'object'},
           'CustomRule': {'additionalProperties': False,
                          'properties': {'name': {'description': 'Unique within the policy; the block code '
                                                                 'is rule:<name>.',
                                                  'pattern': '^[a-z0-9][a-z0-9-]*$',
                                                  'title': 'Name',
                                                  'type': 'string'},
                                         'when': {'description': 'Expression in the ordergate language; the '
                                                                 'rule fires when it is true.',
                                                  'minLength': 1,
                                                  'title': 'When',
                                                  'type': 'string'},
                                         'action': {'default': 'block',
                                                    'description': 'block denies the entry; warn adds a '
                                                                   'warning.',
                                                    'enum': ['block', 'warn'],
                                                    'title': 'Action',
                                                    'type': 'string'},
                                         'message': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                                     'default': None,
                                                     'description': 'Shown when the rule fires.',
                                                     'title': 'Message'}},
                          'required': ['name', 'when'],
                          'title': 'CustomRule',
                          'type': 'object'},
           'DailyLimits': {'additionalProperties': False,
                           'properties': {'loss': {'default': 0,
                                                   'description': 'Maximum loss per trading day in dollars; '
                                                                  '0 = off.',
                                                   'maximum': 1000000,
                                                   'minimum': 0,
                                                   'title': 'Loss',
                                                   'type': 'number'},
                                          'profit_target': {'default': 0,
                                                            'description': 'Profit target per trading day in '
                                                                           'dollars; 0 = off.',
                                                            'maximum': 1000000,
                                                            'minimum': 0,
                                                            'title': 'Profit Target',
                                                            'type': 'number'}},
                           'title': 'DailyLimits',
                           'type': 'object'},
           'Hours': {'additionalProperties': False,
                     'properties': {'start': {'default': '09:30',
                                              'description': 'Earliest time for entries, HH:MM 24h.',
                                              'pattern': '^([01]?[0-9]|2[0-3]):[0-5][0-9]$',
                                              'title': 'Start',
                                              'type': 'string'},
                                    'end': {'default': '16:00',
                                            'description': 'Entries allowed before this time, HH:MM 24h; '
                                                           'earlier than start = overnight window.',
                                            'pattern': '^([01]?[0-9]|2[0-3]):[0-5][0-9]$',
                                            'title': 'End',
                                            'type': 'string'},
                                    'days': {'default': ['mon', 'tue', 'wed', 'thu', 'fri'],
                                             'description': 'Active days; an overnight window belongs to the '
                                                            'day it starts.',
                                             'items': {'enum': ['mon',
                                                                'tue',
                                                                'wed',
                                                                'thu',
                                                                'fri',
                                                                'sat',
                                                                'sun'],
                                                       'type': 'string'},
                                             'minItems': 1,
                                             'title': 'Days',
                                             'type': 'array'},
                                    'exit_before': {'anyOf': [{'type': 'boolean'},
                                                              {'type': 'integer'},
                                                              {'type': 'string'},
                                                              {'type': 'null'}],
                                                    'default': None,
                                                    'description': 'Auto-flatten this many minutes (1-120; '
                                                                   'true = 5) before the end of hours or a '
                                                                   'blackout.',
                                                    'title': 'Exit Before'}},
                     'title': 'Hours',
                     'type': 'object'},
           'Limits': {'additionalProperties': False,
                      'properties': {'daily': {'anyOf': [{'$ref': '#/$defs/DailyLimits'}, {'type': 'null'}],
                                               'default': None},
                                     'weekly': {'anyOf': [{'$ref': '#/$defs/WeeklyLimits'}, {'type': 'null'}],
                                                'default': None},
                                     'trailing_drawdown': {'anyOf': [{'$ref': '#/$defs/TrailingDrawdown'},
                                                                     {'type': 'null'}],
                                                           'default': None},
                                     'on_breach': {'anyOf': [{'$ref': '#/$defs/OnBreach'}, {'type': 'null'}],
                                                   'default': None}},
                      'title': 'Limits',
                      'type': 'object'},
           'Metadata': {'additionalProperties': False,
                        'properties': {'name': {'description': 'Lower-case name, unique per kind in a '
                                                               'bundle.',
                                                'pattern': '^[a-z0-9][a-z0-9-]*$',
                                                'title': 'Name',
                                                'type': 'string'},
                                       'version': {'anyOf': [{'minimum': 1, 'type': 'integer'},
                                                             {'type': 'null'}],
                                                   'default': None,
                                                   'description': 'Integer the author bumps on every change; '
                                                                  'shown with every decision as '
                                                                  'name@version.',
                                                   'title': 'Version'},
                                       'description': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                                       'default': None,
                                                       'description': 'Free text for people.',
                                                       'title': 'Description'},
                                       'labels': {'anyOf': [{'additionalProperties': {'type': 'string'},
                                                             'type': 'object'},
                                                            {'type': 'null'}],
                                                  'default': None,
                                                  'description': 'Free-form key/value labels.',
                                                  'title': 'Labels'}},
                        'required': ['name'],
                        'title': 'Metadata',
                        'type': 'object'},
           'OnBreach': {'additionalProperties': False,
                        'properties': {'action': {'default': 'alert_only',
                                                  'description': 'alert_only blocks the entry and leaves the '
                                                                 'account unlocked; lock blocks all non-exit '
                                                                 'orders; flatten_and_lock closes every '
                                                                 'position first.',
                                                  'enum': ['alert_only', 'lock', 'flatten_and_lock'],
                                                  'title': 'Action',
                                                  'type': 'string'},
                                       'lock': {'default': 'manual',
                                                'description': 'manual | 6h | 12h | session:<boundary> | '
                                                               'HH:MM (policy timezone).',
                                                'pattern': '^(manual|6h|12h|session:[a-z_]+|([01]?[0-9]|2[0-3]):[0-5][0-9])$',
                                                'title': 'Lock',
                                                'type': 'string'},
                                       'enforce': {'default': False,
                                                   'description': 'Refuse manual unlock before the lock '
                                                                  'expires; only with a lock other than '
                                                                  'manual.',
                                                   'title': 'Enforce',
                                                   'type': 'boolean'}},
                        'title': 'OnBreach',
                        'type': 'object'},
           'Positions': {'additionalProperties': False,
                         'properties': {'max_contracts_per_order': {'anyOf': [{'maximum': 10000,
                                                                               'minimum': 1,
                                                                               'type': 'integer'},
                                                                              {'type': 'null'}],
                                                                    'default': None,
                                                                    'description': 'Most contracts in one '
                                                                                   'order.',
                                                                    'title': 'Max Contracts Per Order'},
                                        'max_position_size': {'anyOf': [{'maximum': 10000,
                                                                         'minimum': 1,
                                                                         'type': 'integer'},
                                                                        {'type': 'null'}],
                                                              'default': None,
                                                              'description': 'Most contracts held in one '
                                                                             'symbol.',
                                                              'title': 'Max Position Size'},
                                        'max_open_positions': {'anyOf': [{'maximum': 100,
                                                                          'minimum': 1,
                                                                          'type': 'integer'},
                                                                         {'type': 'null'}],
                                                               'default': None,
                                                               'description': 'Most distinct symbols open at '
                                                                              'once.',
                                                               'title': 'Max Open Positions'}},
                         'title': 'Positions',
                         'type': 'object'},
           'QuoteHealth': {'additionalProperties': False,
                           'properties': {'policy': {'default': 'strict',
                                                     'description': 'strict blocks entries on a stale or '
                                                                    'missing quote; warn adds a warning.',
                                                     'enum': ['strict', 'warn'],
                                                     'title': 'Policy',
                                                     'type': 'string'},
                                          'stale_after': {'anyOf': [{'type': 'string'},
                                                                    {'type': 'integer'},
                                                                    {'type': 'number'}],
                                                          'default': '20s',
                                                          'description': 'Quote age beyond which it is '
                                                                         'stale: 1-300 seconds, e.g. 20s.',
                                                          'title': 'Stale After'}},
                           'title': 'QuoteHealth',
                           'type': 'object'},
           'RiskPolicySpec': {'additionalProperties': False,
                              'properties': {'accounts': {'default': [],
                                                          'description': 'Glob patterns on account id or '
                                                                         'nickname.',
                                                          'items': {'type': 'string'},
                                                          'title': 'Accounts',
                                                          'type': 'array'},
                                             'extends': {'anyOf': [{'pattern': '^[a-z0-9][a-z0-9-]*$',
                                                                    'type': 'string'},
                                                                   {'type': 'null'}],
                                                         'default': None,
                                                         'description': 'Deep-merge over another policy: '
                                                                        'maps merge, lists replace.',
                                                         'title': 'Extends'},
                                             'timezone': {'default': 'America/New_York',
                                                          'description': 'IANA timezone for hours, blackouts '
                                                                         'and HH:MM locks.',
                                                          'title': 'Timezone',
                                                          'type': 'string'},
                                             'limits': {'anyOf': [{'$ref': '#/$defs/Limits'},
                                                                  {'type': 'null'}],
                                                        'default': None},
                                             'hours': {'anyOf': [{'$ref': '#/$defs/Hours'}, {'type': 'null'}],
                                                       'default': None},
                                             'blackouts': {'anyOf': [{'items': {'$ref': '#/$defs/Blackout'},
                                                                      'type': 'array'},
                                                                     {'type': 'null'}],
                                                           'default': None,
                                                           'title': 'Blackouts'},
                                             'positions': {'anyOf': [{'$ref': '#/$defs/Positions'},
                                                                     {'type': 'null'}],
                                                           'default': None},
                                             'contracts': {'anyOf': [{'items': {'$ref': '#/$defs/ContractRule'},
                                                                      'type': 'array'},
                                                                     {'type': 'null'}],
                                                           'default': None,
                                                           'title': 'Contracts'},
                                             'quote_health': {'anyOf': [{'$ref': '#/$defs/QuoteHealth'},
                                                                        {'type': 'null'}],
                                                              'default': None},
                                             'sync_divergence_guard': {'default': True,
                                                                       'description': 'Pause automation when '
                                                                                      'a broker sync shows a '
                                                                                      'held position gone.',
                                                                       'title': 'Sync Divergence Guard',
                                                                       'type': 'boolean'},
                                             'rules': {'anyOf': [{'items': {'$ref': '#/$defs/CustomRule'},
                                                                  'type': 'array'},
                                                                 {'type': 'null'}],
                                                       'default': None,
                                                       'title': 'Rules'}},
                              'title': 'RiskPolicySpec',
                              'type': 'object'},
           'TrailingDrawdown': {'additionalProperties': False,
                                'properties': {'amount': {'description': 'Distance in dollars of the '
                                                                         'threshold below the equity '
                                                                         'high-water mark.',
                                                          'exclusiveMinimum': 0,
                                                          'maximum': 5000000,
                                                          'title': 'Amount',
                                                          'type': 'number'},
                                               'mode': {'default': 'intraday',
                                                        'description': 'intraday trails on every equity '
                                                                       'tick; end_of_day only at the '
                                                                       'trading-day roll.',
                                                        'enum': ['intraday', 'end_of_day'],
                                                        'title': 'Mode',
                                                        'type': 'string'},
                                               'stop_at': {'anyOf': [{'exclusiveMinimum': 0,
                                                                      'type': 'number'},
                                                                     {'type': 'null'}],
                                                           'default': None,
                                                           'description': 'Equity level at which the '
                                                                          'threshold stops rising.',
                                                           'title': 'Stop At'}},
                                'required': ['amount'],
                                'title': 'TrailingDrawdown',
                                'type': 'object'},
           'WeeklyLimits': {'additionalProperties': False,
                            'properties': {'loss': {'default': 0,
                                                    'description': 'Maximum loss per trading week in '
                                                                   'dollars; 0 = off.',
                                                    'maximum': 5000000,
                                                    'minimum': 0,
                                                    'title': 'Loss',
                                                    'type': 'number'},
                                           'profit_target': {'default': 0,
                                                             'description': 'Profit target per trading week '
                                                                            'in dollars; 0 = off.',
                                                             'maximum': 5000000,
                                                             'minimum': 0,
                                                             'title': 'Profit Target',
                                                             'type': 'number'}},
                            'title': 'WeeklyLimits',
                            'type': 'object'}},
 'additionalProperties': False,
 'description': 'The risk settings of one group of accounts.',
 'properties': {'apiVersion': {'const': 'ordergate/v1', 'title': 'Apiversion', 'type': 'string'},
                'kind': {'const': 'RiskPolicy', 'title': 'Kind', 'type': 'string'},
                'metadata': {'$ref': '#/$defs/Metadata'},
                'spec': {'$ref': '#/$defs/RiskPolicySpec'}},
 'required': ['apiVersion', 'kind', 'metadata', 'spec'],
 'title': 'ordergate RiskPolicy (ordergate/v1)',
 'type': 'object',
 '$schema': 'https://json-schema.org/draft/2020-12/schema',
 '$id': 'https://ordergate.dev/schemas/riskpolicy.v1.json'}
