# Generated from schemas/policytest.v1.json by fastjsonschema (ordergate.policy.light_models.validator_source); do not edit.
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
    '^[a-z0-9][a-z0-9-]*$': re.compile('^[a-z0-9][a-z0-9-]*\\Z')
}

NoneType = type(None)

def validate_https___ordergate_dev_schemas_policytest_v1_json(data, custom_formats={}, name_prefix=None):
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
            if not (isinstance(data__kind, str) and data__kind == 'PolicyTest'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".kind must be one of ['PolicyTest']")
        if "metadata" in data_keys:
            data_keys.remove("metadata")
            data__metadata = data["metadata"]
            validate_https___ordergate_dev_schemas_policytest_v1_json___defs_metadata(data__metadata, custom_formats, (name_prefix or "data") + ".metadata")
        if "spec" in data_keys:
            data_keys.remove("spec")
            data__spec = data["spec"]
            validate_https___ordergate_dev_schemas_policytest_v1_json___defs_policytestspec(data__spec, custom_formats, (name_prefix or "data") + ".spec")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_policytest_v1_json___defs_policytestspec(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['cases']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "policy" in data_keys:
            data_keys.remove("policy")
            data__policy = data["policy"]
            data__policy_any_of_count1 = 0
            if not data__policy_any_of_count1:
                try:
                    if not isinstance(data__policy, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".policy must be string")
                    data__policy_any_of_count1 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__policy_any_of_count1:
                try:
                    if not isinstance(data__policy, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".policy must be null")
                    data__policy_any_of_count1 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__policy_any_of_count1:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".policy cannot be validated by any definition")
        if "cases" in data_keys:
            data_keys.remove("cases")
            data__cases = data["cases"]
            if not isinstance(data__cases, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".cases must be array")
            data__cases_is_list = isinstance(data__cases, (list, tuple))
            if data__cases_is_list:
                data__cases_len = len(data__cases)
                if data__cases_len < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".cases must contain at least 1 items")
                for data__cases_x, data__cases_item in enumerate(data__cases):
                    validate_https___ordergate_dev_schemas_policytest_v1_json___defs_testcase(data__cases_item, custom_formats, (name_prefix or "data") + ".cases[{data__cases_x}]".format(**locals()))
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_policytest_v1_json___defs_testcase(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['name', 'at', 'order', 'expect']) - data.keys()
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
        if "at" in data_keys:
            data_keys.remove("at")
            data__at = data["at"]
            if not isinstance(data__at, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".at must be string")
        if "account" in data_keys:
            data_keys.remove("account")
            data__account = data["account"]
            data__account_any_of_count2 = 0
            if not data__account_any_of_count2:
                try:
                    if not isinstance(data__account, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".account must be string")
                    data__account_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__account_any_of_count2:
                try:
                    if not isinstance(data__account, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".account must be null")
                    data__account_any_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__account_any_of_count2:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".account cannot be validated by any definition")
        if "state" in data_keys:
            data_keys.remove("state")
            data__state = data["state"]
            data__state_any_of_count3 = 0
            if not data__state_any_of_count3:
                try:
                    validate_https___ordergate_dev_schemas_policytest_v1_json___defs_state(data__state, custom_formats, (name_prefix or "data") + ".state")
                    data__state_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__state_any_of_count3:
                try:
                    if not isinstance(data__state, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".state must be null")
                    data__state_any_of_count3 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__state_any_of_count3:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".state cannot be validated by any definition")
        if "order" in data_keys:
            data_keys.remove("order")
            data__order = data["order"]
            validate_https___ordergate_dev_schemas_policytest_v1_json___defs_orderspec(data__order, custom_formats, (name_prefix or "data") + ".order")
        if "expect" in data_keys:
            data_keys.remove("expect")
            data__expect = data["expect"]
            validate_https___ordergate_dev_schemas_policytest_v1_json___defs_expect(data__expect, custom_formats, (name_prefix or "data") + ".expect")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_policytest_v1_json___defs_expect(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "outcome" in data_keys:
            data_keys.remove("outcome")
            data__outcome = data["outcome"]
            data__outcome_any_of_count4 = 0
            if not data__outcome_any_of_count4:
                try:
                    if not isinstance(data__outcome, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".outcome must be string")
                    if not (isinstance(data__outcome, str) and data__outcome == 'allow' or isinstance(data__outcome, str) and data__outcome == 'block'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".outcome must be one of ['allow', 'block']")
                    data__outcome_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__outcome_any_of_count4:
                try:
                    if not isinstance(data__outcome, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".outcome must be null")
                    data__outcome_any_of_count4 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__outcome_any_of_count4:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".outcome cannot be validated by any definition")
        if "stage" in data_keys:
            data_keys.remove("stage")
            data__stage = data["stage"]
            data__stage_any_of_count5 = 0
            if not data__stage_any_of_count5:
                try:
                    if not isinstance(data__stage, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".stage must be string")
                    data__stage_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__stage_any_of_count5:
                try:
                    if not isinstance(data__stage, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".stage must be null")
                    data__stage_any_of_count5 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__stage_any_of_count5:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".stage cannot be validated by any definition")
        if "code" in data_keys:
            data_keys.remove("code")
            data__code = data["code"]
            data__code_any_of_count6 = 0
            if not data__code_any_of_count6:
                try:
                    if not isinstance(data__code, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".code must be string")
                    data__code_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__code_any_of_count6:
                try:
                    if not isinstance(data__code, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".code must be null")
                    data__code_any_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__code_any_of_count6:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".code cannot be validated by any definition")
        if "exit" in data_keys:
            data_keys.remove("exit")
            data__exit = data["exit"]
            data__exit_any_of_count7 = 0
            if not data__exit_any_of_count7:
                try:
                    if not isinstance(data__exit, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".exit must be boolean")
                    data__exit_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__exit_any_of_count7:
                try:
                    if not isinstance(data__exit, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".exit must be null")
                    data__exit_any_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__exit_any_of_count7:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".exit cannot be validated by any definition")
        if "actions" in data_keys:
            data_keys.remove("actions")
            data__actions = data["actions"]
            data__actions_any_of_count8 = 0
            if not data__actions_any_of_count8:
                try:
                    if not isinstance(data__actions, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".actions must be array")
                    data__actions_is_list = isinstance(data__actions, (list, tuple))
                    if data__actions_is_list:
                        data__actions_len = len(data__actions)
                        for data__actions_x, data__actions_item in enumerate(data__actions):
                            if not isinstance(data__actions_item, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".actions[{data__actions_x}]".format(**locals()) + " must be string")
                            if not (isinstance(data__actions_item, str) and data__actions_item == 'lock' or isinstance(data__actions_item, str) and data__actions_item == 'flatten'):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".actions[{data__actions_x}]".format(**locals()) + " must be one of ['lock', 'flatten']")
                    data__actions_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__actions_any_of_count8:
                try:
                    if not isinstance(data__actions, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".actions must be null")
                    data__actions_any_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__actions_any_of_count8:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".actions cannot be validated by any definition")
        if "warnings" in data_keys:
            data_keys.remove("warnings")
            data__warnings = data["warnings"]
            data__warnings_any_of_count9 = 0
            if not data__warnings_any_of_count9:
                try:
                    if not isinstance(data__warnings, (list, tuple)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".warnings must be array")
                    data__warnings_is_list = isinstance(data__warnings, (list, tuple))
                    if data__warnings_is_list:
                        data__warnings_len = len(data__warnings)
                        for data__warnings_x, data__warnings_item in enumerate(data__warnings):
                            if not isinstance(data__warnings_item, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".warnings[{data__warnings_x}]".format(**locals()) + " must be string")
                    data__warnings_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__warnings_any_of_count9:
                try:
                    if not isinstance(data__warnings, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".warnings must be null")
                    data__warnings_any_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__warnings_any_of_count9:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".warnings cannot be validated by any definition")
        if "message" in data_keys:
            data_keys.remove("message")
            data__message = data["message"]
            data__message_any_of_count10 = 0
            if not data__message_any_of_count10:
                try:
                    if not isinstance(data__message, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".message must be string")
                    data__message_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__message_any_of_count10:
                try:
                    if not isinstance(data__message, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".message must be null")
                    data__message_any_of_count10 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__message_any_of_count10:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".message cannot be validated by any definition")
        if "until" in data_keys:
            data_keys.remove("until")
            data__until = data["until"]
            data__until_any_of_count11 = 0
            if not data__until_any_of_count11:
                try:
                    if not isinstance(data__until, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".until must be string")
                    data__until_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__until_any_of_count11:
                try:
                    if not isinstance(data__until, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".until must be null")
                    data__until_any_of_count11 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__until_any_of_count11:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".until cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_policytest_v1_json___defs_orderspec(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['symbol', 'side', 'qty']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "symbol" in data_keys:
            data_keys.remove("symbol")
            data__symbol = data["symbol"]
            if not isinstance(data__symbol, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".symbol must be string")
        if "side" in data_keys:
            data_keys.remove("side")
            data__side = data["side"]
            if not isinstance(data__side, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".side must be string")
            if not (isinstance(data__side, str) and data__side == 'buy' or isinstance(data__side, str) and data__side == 'sell'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".side must be one of ['buy', 'sell']")
        if "qty" in data_keys:
            data_keys.remove("qty")
            data__qty = data["qty"]
            if not isinstance(data__qty, (int)) and not (isinstance(data__qty, float) and data__qty.is_integer()) or isinstance(data__qty, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".qty must be integer")
            if isinstance(data__qty, (int, float, Decimal)) and not isinstance(data__qty, bool):
                if data__qty < 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".qty must be bigger than or equal to 1")
        if "type" in data_keys:
            data_keys.remove("type")
            data__type = data["type"]
            if not isinstance(data__type, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".type must be string")
            if not (isinstance(data__type, str) and data__type == 'market' or isinstance(data__type, str) and data__type == 'limit' or isinstance(data__type, str) and data__type == 'stop' or isinstance(data__type, str) and data__type == 'stop_limit'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".type must be one of ['market', 'limit', 'stop', 'stop_limit']")
        if "source" in data_keys:
            data_keys.remove("source")
            data__source = data["source"]
            if not isinstance(data__source, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".source must be string")
        if "price" in data_keys:
            data_keys.remove("price")
            data__price = data["price"]
            data__price_any_of_count12 = 0
            if not data__price_any_of_count12:
                try:
                    if not isinstance(data__price, (int)) and not (isinstance(data__price, float) and data__price.is_integer()) or isinstance(data__price, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".price must be integer")
                    data__price_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__price_any_of_count12:
                try:
                    if not isinstance(data__price, (int, float, Decimal)) or isinstance(data__price, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".price must be number")
                    data__price_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__price_any_of_count12:
                try:
                    if not isinstance(data__price, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".price must be null")
                    data__price_any_of_count12 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__price_any_of_count12:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".price cannot be validated by any definition")
        if "stop_price" in data_keys:
            data_keys.remove("stop_price")
            data__stopprice = data["stop_price"]
            data__stopprice_any_of_count13 = 0
            if not data__stopprice_any_of_count13:
                try:
                    if not isinstance(data__stopprice, (int)) and not (isinstance(data__stopprice, float) and data__stopprice.is_integer()) or isinstance(data__stopprice, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".stop_price must be integer")
                    data__stopprice_any_of_count13 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__stopprice_any_of_count13:
                try:
                    if not isinstance(data__stopprice, (int, float, Decimal)) or isinstance(data__stopprice, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".stop_price must be number")
                    data__stopprice_any_of_count13 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__stopprice_any_of_count13:
                try:
                    if not isinstance(data__stopprice, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".stop_price must be null")
                    data__stopprice_any_of_count13 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__stopprice_any_of_count13:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".stop_price cannot be validated by any definition")
        if "intent" in data_keys:
            data_keys.remove("intent")
            data__intent = data["intent"]
            if not isinstance(data__intent, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".intent must be string")
            if not (isinstance(data__intent, str) and data__intent == 'open' or isinstance(data__intent, str) and data__intent == 'close' or isinstance(data__intent, str) and data__intent == 'flatten'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".intent must be one of ['open', 'close', 'flatten']")
        if "account" in data_keys:
            data_keys.remove("account")
            data__account = data["account"]
            data__account_any_of_count14 = 0
            if not data__account_any_of_count14:
                try:
                    if not isinstance(data__account, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".account must be string")
                    data__account_any_of_count14 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__account_any_of_count14:
                try:
                    if not isinstance(data__account, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".account must be null")
                    data__account_any_of_count14 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__account_any_of_count14:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".account cannot be validated by any definition")
        if "client_order_id" in data_keys:
            data_keys.remove("client_order_id")
            data__clientorderid = data["client_order_id"]
            data__clientorderid_any_of_count15 = 0
            if not data__clientorderid_any_of_count15:
                try:
                    if not isinstance(data__clientorderid, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".client_order_id must be string")
                    data__clientorderid_any_of_count15 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__clientorderid_any_of_count15:
                try:
                    if not isinstance(data__clientorderid, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".client_order_id must be null")
                    data__clientorderid_any_of_count15 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__clientorderid_any_of_count15:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".client_order_id cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_policytest_v1_json___defs_state(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "account" in data_keys:
            data_keys.remove("account")
            data__account = data["account"]
            data__account_any_of_count16 = 0
            if not data__account_any_of_count16:
                try:
                    validate_https___ordergate_dev_schemas_policytest_v1_json___defs_accountstate(data__account, custom_formats, (name_prefix or "data") + ".account")
                    data__account_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__account_any_of_count16:
                try:
                    if not isinstance(data__account, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".account must be null")
                    data__account_any_of_count16 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__account_any_of_count16:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".account cannot be validated by any definition")
        if "positions" in data_keys:
            data_keys.remove("positions")
            data__positions = data["positions"]
            data__positions_any_of_count17 = 0
            if not data__positions_any_of_count17:
                try:
                    if not isinstance(data__positions, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".positions must be object")
                    data__positions_is_dict = isinstance(data__positions, dict)
                    if data__positions_is_dict:
                        data__positions_keys = set(data__positions.keys())
                        for data__positions_key in data__positions_keys:
                            if data__positions_key not in []:
                                data__positions_value = data__positions.get(data__positions_key)
                                validate_https___ordergate_dev_schemas_policytest_v1_json___defs_positionstate(data__positions_value, custom_formats, (name_prefix or "data") + ".positions.{data__positions_key}".format(**locals()))
                    data__positions_any_of_count17 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__positions_any_of_count17:
                try:
                    if not isinstance(data__positions, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".positions must be null")
                    data__positions_any_of_count17 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__positions_any_of_count17:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".positions cannot be validated by any definition")
        if "pnl" in data_keys:
            data_keys.remove("pnl")
            data__pnl = data["pnl"]
            data__pnl_any_of_count18 = 0
            if not data__pnl_any_of_count18:
                try:
                    validate_https___ordergate_dev_schemas_policytest_v1_json___defs_pnlstate(data__pnl, custom_formats, (name_prefix or "data") + ".pnl")
                    data__pnl_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__pnl_any_of_count18:
                try:
                    if not isinstance(data__pnl, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pnl must be null")
                    data__pnl_any_of_count18 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__pnl_any_of_count18:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".pnl cannot be validated by any definition")
        if "trades" in data_keys:
            data_keys.remove("trades")
            data__trades = data["trades"]
            data__trades_any_of_count19 = 0
            if not data__trades_any_of_count19:
                try:
                    validate_https___ordergate_dev_schemas_policytest_v1_json___defs_tradesstate(data__trades, custom_formats, (name_prefix or "data") + ".trades")
                    data__trades_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__trades_any_of_count19:
                try:
                    if not isinstance(data__trades, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".trades must be null")
                    data__trades_any_of_count19 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__trades_any_of_count19:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".trades cannot be validated by any definition")
        if "quotes" in data_keys:
            data_keys.remove("quotes")
            data__quotes = data["quotes"]
            data__quotes_any_of_count20 = 0
            if not data__quotes_any_of_count20:
                try:
                    if not isinstance(data__quotes, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".quotes must be object")
                    data__quotes_is_dict = isinstance(data__quotes, dict)
                    if data__quotes_is_dict:
                        data__quotes_keys = set(data__quotes.keys())
                        for data__quotes_key in data__quotes_keys:
                            if data__quotes_key not in []:
                                data__quotes_value = data__quotes.get(data__quotes_key)
                                validate_https___ordergate_dev_schemas_policytest_v1_json___defs_quotestate(data__quotes_value, custom_formats, (name_prefix or "data") + ".quotes.{data__quotes_key}".format(**locals()))
                    data__quotes_any_of_count20 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__quotes_any_of_count20:
                try:
                    if not isinstance(data__quotes, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".quotes must be null")
                    data__quotes_any_of_count20 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__quotes_any_of_count20:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".quotes cannot be validated by any definition")
        if "automation_paused" in data_keys:
            data_keys.remove("automation_paused")
            data__automationpaused = data["automation_paused"]
            if not isinstance(data__automationpaused, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".automation_paused must be boolean")
        if "working" in data_keys:
            data_keys.remove("working")
            data__working = data["working"]
            data__working_any_of_count21 = 0
            if not data__working_any_of_count21:
                try:
                    if not isinstance(data__working, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".working must be object")
                    data__working_is_dict = isinstance(data__working, dict)
                    if data__working_is_dict:
                        data__working_keys = set(data__working.keys())
                        for data__working_key in data__working_keys:
                            if data__working_key not in []:
                                data__working_value = data__working.get(data__working_key)
                                validate_https___ordergate_dev_schemas_policytest_v1_json___defs_workingstate(data__working_value, custom_formats, (name_prefix or "data") + ".working.{data__working_key}".format(**locals()))
                    data__working_any_of_count21 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__working_any_of_count21:
                try:
                    if not isinstance(data__working, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".working must be null")
                    data__working_any_of_count21 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__working_any_of_count21:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".working cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_policytest_v1_json___defs_workingstate(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "buy" in data_keys:
            data_keys.remove("buy")
            data__buy = data["buy"]
            if not isinstance(data__buy, (int)) and not (isinstance(data__buy, float) and data__buy.is_integer()) or isinstance(data__buy, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".buy must be integer")
            if isinstance(data__buy, (int, float, Decimal)) and not isinstance(data__buy, bool):
                if data__buy < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".buy must be bigger than or equal to 0")
        if "sell" in data_keys:
            data_keys.remove("sell")
            data__sell = data["sell"]
            if not isinstance(data__sell, (int)) and not (isinstance(data__sell, float) and data__sell.is_integer()) or isinstance(data__sell, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".sell must be integer")
            if isinstance(data__sell, (int, float, Decimal)) and not isinstance(data__sell, bool):
                if data__sell < 0:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".sell must be bigger than or equal to 0")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_policytest_v1_json___defs_quotestate(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "bid" in data_keys:
            data_keys.remove("bid")
            data__bid = data["bid"]
            data__bid_any_of_count22 = 0
            if not data__bid_any_of_count22:
                try:
                    if not isinstance(data__bid, (int)) and not (isinstance(data__bid, float) and data__bid.is_integer()) or isinstance(data__bid, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".bid must be integer")
                    data__bid_any_of_count22 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__bid_any_of_count22:
                try:
                    if not isinstance(data__bid, (int, float, Decimal)) or isinstance(data__bid, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".bid must be number")
                    data__bid_any_of_count22 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__bid_any_of_count22:
                try:
                    if not isinstance(data__bid, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".bid must be null")
                    data__bid_any_of_count22 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__bid_any_of_count22:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".bid cannot be validated by any definition")
        if "ask" in data_keys:
            data_keys.remove("ask")
            data__ask = data["ask"]
            data__ask_any_of_count23 = 0
            if not data__ask_any_of_count23:
                try:
                    if not isinstance(data__ask, (int)) and not (isinstance(data__ask, float) and data__ask.is_integer()) or isinstance(data__ask, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ask must be integer")
                    data__ask_any_of_count23 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__ask_any_of_count23:
                try:
                    if not isinstance(data__ask, (int, float, Decimal)) or isinstance(data__ask, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ask must be number")
                    data__ask_any_of_count23 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__ask_any_of_count23:
                try:
                    if not isinstance(data__ask, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ask must be null")
                    data__ask_any_of_count23 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__ask_any_of_count23:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".ask cannot be validated by any definition")
        if "last" in data_keys:
            data_keys.remove("last")
            data__last = data["last"]
            data__last_any_of_count24 = 0
            if not data__last_any_of_count24:
                try:
                    if not isinstance(data__last, (int)) and not (isinstance(data__last, float) and data__last.is_integer()) or isinstance(data__last, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".last must be integer")
                    data__last_any_of_count24 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__last_any_of_count24:
                try:
                    if not isinstance(data__last, (int, float, Decimal)) or isinstance(data__last, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".last must be number")
                    data__last_any_of_count24 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__last_any_of_count24:
                try:
                    if not isinstance(data__last, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".last must be null")
                    data__last_any_of_count24 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__last_any_of_count24:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".last cannot be validated by any definition")
        if "age" in data_keys:
            data_keys.remove("age")
            data__age = data["age"]
            data__age_any_of_count25 = 0
            if not data__age_any_of_count25:
                try:
                    if not isinstance(data__age, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".age must be string")
                    data__age_any_of_count25 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__age_any_of_count25:
                try:
                    if not isinstance(data__age, (int)) and not (isinstance(data__age, float) and data__age.is_integer()) or isinstance(data__age, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".age must be integer")
                    data__age_any_of_count25 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__age_any_of_count25:
                try:
                    if not isinstance(data__age, (int, float, Decimal)) or isinstance(data__age, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".age must be number")
                    data__age_any_of_count25 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__age_any_of_count25:
                try:
                    if not isinstance(data__age, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".age must be null")
                    data__age_any_of_count25 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__age_any_of_count25:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".age cannot be validated by any definition")
        if "time" in data_keys:
            data_keys.remove("time")
            data__time = data["time"]
            data__time_any_of_count26 = 0
            if not data__time_any_of_count26:
                try:
                    if not isinstance(data__time, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".time must be string")
                    data__time_any_of_count26 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__time_any_of_count26:
                try:
                    if not isinstance(data__time, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".time must be null")
                    data__time_any_of_count26 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__time_any_of_count26:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".time cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_policytest_v1_json___defs_tradesstate(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "daily" in data_keys:
            data_keys.remove("daily")
            data__daily = data["daily"]
            if not isinstance(data__daily, (int)) and not (isinstance(data__daily, float) and data__daily.is_integer()) or isinstance(data__daily, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".daily must be integer")
        if "weekly" in data_keys:
            data_keys.remove("weekly")
            data__weekly = data["weekly"]
            if not isinstance(data__weekly, (int)) and not (isinstance(data__weekly, float) and data__weekly.is_integer()) or isinstance(data__weekly, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".weekly must be integer")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_policytest_v1_json___defs_pnlstate(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "daily_realized" in data_keys:
            data_keys.remove("daily_realized")
            data__dailyrealized = data["daily_realized"]
            data__dailyrealized_any_of_count27 = 0
            if not data__dailyrealized_any_of_count27:
                try:
                    if not isinstance(data__dailyrealized, (int)) and not (isinstance(data__dailyrealized, float) and data__dailyrealized.is_integer()) or isinstance(data__dailyrealized, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".daily_realized must be integer")
                    data__dailyrealized_any_of_count27 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__dailyrealized_any_of_count27:
                try:
                    if not isinstance(data__dailyrealized, (int, float, Decimal)) or isinstance(data__dailyrealized, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".daily_realized must be number")
                    data__dailyrealized_any_of_count27 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__dailyrealized_any_of_count27:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".daily_realized cannot be validated by any definition")
        if "weekly_realized" in data_keys:
            data_keys.remove("weekly_realized")
            data__weeklyrealized = data["weekly_realized"]
            data__weeklyrealized_any_of_count28 = 0
            if not data__weeklyrealized_any_of_count28:
                try:
                    if not isinstance(data__weeklyrealized, (int)) and not (isinstance(data__weeklyrealized, float) and data__weeklyrealized.is_integer()) or isinstance(data__weeklyrealized, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".weekly_realized must be integer")
                    data__weeklyrealized_any_of_count28 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__weeklyrealized_any_of_count28:
                try:
                    if not isinstance(data__weeklyrealized, (int, float, Decimal)) or isinstance(data__weeklyrealized, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".weekly_realized must be number")
                    data__weeklyrealized_any_of_count28 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__weeklyrealized_any_of_count28:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".weekly_realized cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_policytest_v1_json___defs_positionstate(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['qty']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain ")
        data_keys = set(data.keys())
        if "qty" in data_keys:
            data_keys.remove("qty")
            data__qty = data["qty"]
            if not isinstance(data__qty, (int)) and not (isinstance(data__qty, float) and data__qty.is_integer()) or isinstance(data__qty, bool):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".qty must be integer")
        if "avg_price" in data_keys:
            data_keys.remove("avg_price")
            data__avgprice = data["avg_price"]
            data__avgprice_any_of_count29 = 0
            if not data__avgprice_any_of_count29:
                try:
                    if not isinstance(data__avgprice, (int)) and not (isinstance(data__avgprice, float) and data__avgprice.is_integer()) or isinstance(data__avgprice, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".avg_price must be integer")
                    data__avgprice_any_of_count29 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__avgprice_any_of_count29:
                try:
                    if not isinstance(data__avgprice, (int, float, Decimal)) or isinstance(data__avgprice, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".avg_price must be number")
                    data__avgprice_any_of_count29 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__avgprice_any_of_count29:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".avg_price cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_policytest_v1_json___defs_accountstate(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "id" in data_keys:
            data_keys.remove("id")
            data__id = data["id"]
            data__id_any_of_count30 = 0
            if not data__id_any_of_count30:
                try:
                    if not isinstance(data__id, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".id must be string")
                    data__id_any_of_count30 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__id_any_of_count30:
                try:
                    if not isinstance(data__id, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".id must be null")
                    data__id_any_of_count30 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__id_any_of_count30:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".id cannot be validated by any definition")
        if "nickname" in data_keys:
            data_keys.remove("nickname")
            data__nickname = data["nickname"]
            data__nickname_any_of_count31 = 0
            if not data__nickname_any_of_count31:
                try:
                    if not isinstance(data__nickname, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".nickname must be string")
                    data__nickname_any_of_count31 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__nickname_any_of_count31:
                try:
                    if not isinstance(data__nickname, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".nickname must be null")
                    data__nickname_any_of_count31 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__nickname_any_of_count31:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".nickname cannot be validated by any definition")
        if "enabled" in data_keys:
            data_keys.remove("enabled")
            data__enabled = data["enabled"]
            if not isinstance(data__enabled, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".enabled must be boolean")
        if "locked" in data_keys:
            data_keys.remove("locked")
            data__locked = data["locked"]
            data__locked_any_of_count32 = 0
            if not data__locked_any_of_count32:
                try:
                    if not isinstance(data__locked, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".locked must be boolean")
                    data__locked_any_of_count32 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__locked_any_of_count32:
                try:
                    validate_https___ordergate_dev_schemas_policytest_v1_json___defs_lockstate(data__locked, custom_formats, (name_prefix or "data") + ".locked")
                    data__locked_any_of_count32 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__locked_any_of_count32:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".locked cannot be validated by any definition")
        if "balance" in data_keys:
            data_keys.remove("balance")
            data__balance = data["balance"]
            data__balance_any_of_count33 = 0
            if not data__balance_any_of_count33:
                try:
                    if not isinstance(data__balance, (int)) and not (isinstance(data__balance, float) and data__balance.is_integer()) or isinstance(data__balance, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".balance must be integer")
                    data__balance_any_of_count33 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__balance_any_of_count33:
                try:
                    if not isinstance(data__balance, (int, float, Decimal)) or isinstance(data__balance, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".balance must be number")
                    data__balance_any_of_count33 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__balance_any_of_count33:
                try:
                    if not isinstance(data__balance, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".balance must be null")
                    data__balance_any_of_count33 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__balance_any_of_count33:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".balance cannot be validated by any definition")
        if "equity" in data_keys:
            data_keys.remove("equity")
            data__equity = data["equity"]
            data__equity_any_of_count34 = 0
            if not data__equity_any_of_count34:
                try:
                    if not isinstance(data__equity, (int)) and not (isinstance(data__equity, float) and data__equity.is_integer()) or isinstance(data__equity, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".equity must be integer")
                    data__equity_any_of_count34 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__equity_any_of_count34:
                try:
                    if not isinstance(data__equity, (int, float, Decimal)) or isinstance(data__equity, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".equity must be number")
                    data__equity_any_of_count34 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__equity_any_of_count34:
                try:
                    if not isinstance(data__equity, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".equity must be null")
                    data__equity_any_of_count34 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__equity_any_of_count34:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".equity cannot be validated by any definition")
        if "peak_equity" in data_keys:
            data_keys.remove("peak_equity")
            data__peakequity = data["peak_equity"]
            data__peakequity_any_of_count35 = 0
            if not data__peakequity_any_of_count35:
                try:
                    if not isinstance(data__peakequity, (int)) and not (isinstance(data__peakequity, float) and data__peakequity.is_integer()) or isinstance(data__peakequity, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".peak_equity must be integer")
                    data__peakequity_any_of_count35 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__peakequity_any_of_count35:
                try:
                    if not isinstance(data__peakequity, (int, float, Decimal)) or isinstance(data__peakequity, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".peak_equity must be number")
                    data__peakequity_any_of_count35 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__peakequity_any_of_count35:
                try:
                    if not isinstance(data__peakequity, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".peak_equity must be null")
                    data__peakequity_any_of_count35 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__peakequity_any_of_count35:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".peak_equity cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_policytest_v1_json___defs_lockstate(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "until" in data_keys:
            data_keys.remove("until")
            data__until = data["until"]
            data__until_any_of_count36 = 0
            if not data__until_any_of_count36:
                try:
                    if not isinstance(data__until, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".until must be string")
                    data__until_any_of_count36 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__until_any_of_count36:
                try:
                    if not isinstance(data__until, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".until must be null")
                    data__until_any_of_count36 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__until_any_of_count36:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".until cannot be validated by any definition")
        if "enforce" in data_keys:
            data_keys.remove("enforce")
            data__enforce = data["enforce"]
            if not isinstance(data__enforce, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".enforce must be boolean")
        if "reason" in data_keys:
            data_keys.remove("reason")
            data__reason = data["reason"]
            data__reason_any_of_count37 = 0
            if not data__reason_any_of_count37:
                try:
                    if not isinstance(data__reason, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".reason must be string")
                    data__reason_any_of_count37 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__reason_any_of_count37:
                try:
                    if not isinstance(data__reason, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".reason must be null")
                    data__reason_any_of_count37 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__reason_any_of_count37:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".reason cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

def validate_https___ordergate_dev_schemas_policytest_v1_json___defs_metadata(data, custom_formats={}, name_prefix=None):
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
            data__version_any_of_count38 = 0
            if not data__version_any_of_count38:
                try:
                    if not isinstance(data__version, (int)) and not (isinstance(data__version, float) and data__version.is_integer()) or isinstance(data__version, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".version must be integer")
                    if isinstance(data__version, (int, float, Decimal)) and not isinstance(data__version, bool):
                        if data__version < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".version must be bigger than or equal to 1")
                    data__version_any_of_count38 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__version_any_of_count38:
                try:
                    if not isinstance(data__version, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".version must be null")
                    data__version_any_of_count38 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__version_any_of_count38:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".version cannot be validated by any definition")
        if "description" in data_keys:
            data_keys.remove("description")
            data__description = data["description"]
            data__description_any_of_count39 = 0
            if not data__description_any_of_count39:
                try:
                    if not isinstance(data__description, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".description must be string")
                    data__description_any_of_count39 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__description_any_of_count39:
                try:
                    if not isinstance(data__description, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".description must be null")
                    data__description_any_of_count39 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__description_any_of_count39:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".description cannot be validated by any definition")
        if "labels" in data_keys:
            data_keys.remove("labels")
            data__labels = data["labels"]
            data__labels_any_of_count40 = 0
            if not data__labels_any_of_count40:
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
                    data__labels_any_of_count40 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__labels_any_of_count40:
                try:
                    if not isinstance(data__labels, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".labels must be null")
                    data__labels_any_of_count40 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if not data__labels_any_of_count40:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".labels cannot be validated by any definition")
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties")
    return data

validate = validate_https___ordergate_dev_schemas_policytest_v1_json

SCHEMA = {'$defs': {'AccountState': {'additionalProperties': False,
                            'properties': {'id': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                                  'default': None,
                                                  'title': 'Id'},
                                           'nickname': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                                        'default': None,
                                                        'title': 'Nickname'},
                                           'enabled': {'default': True,
                                                       'title': 'Enabled',
                                                       'type': 'boolean'},
                                           'locked': {'anyOf': [{'type': 'boolean'},
                                                                {'$ref': '#/$defs/LockState'}],
                                                      'default': False,
                                                      'title': 'Locked'},
                                           'balance': {'anyOf': [{'type': 'integer'},
                                                                 {'type': 'number'},
                                                                 {'type': 'null'}],
                                                       'default': None,
                                                       'title': 'Balance'},
                                           'equity': {'anyOf': [{'type': 'integer'},
                                                                {'type': 'number'},
                                                                {'type': 'null'}],
                                                      'default': None,
                                                      'title': 'Equity'},
                                           'peak_equity': {'anyOf': [{'type': 'integer'},
                                                                     {'type': 'number'},
                                                                     {'type': 'null'}],
                                                           'default': None,
                                                           'title': 'Peak Equity'}},
                            'title': 'AccountState',
                            'type': 'object'},
           'Expect': {'additionalProperties': False,
                      'properties': {'outcome': {'anyOf': [{'enum': ['allow', 'block'], 'type': 'string'},
                                                           {'type': 'null'}],
                                                 'default': None,
                                                 'title': 'Outcome'},
                                     'stage': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                               'default': None,
                                               'title': 'Stage'},
                                     'code': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                              'default': None,
                                              'title': 'Code'},
                                     'exit': {'anyOf': [{'type': 'boolean'}, {'type': 'null'}],
                                              'default': None,
                                              'title': 'Exit'},
                                     'actions': {'anyOf': [{'items': {'enum': ['lock', 'flatten'],
                                                                      'type': 'string'},
                                                            'type': 'array'},
                                                           {'type': 'null'}],
                                                 'default': None,
                                                 'title': 'Actions'},
                                     'warnings': {'anyOf': [{'items': {'type': 'string'}, 'type': 'array'},
                                                            {'type': 'null'}],
                                                  'default': None,
                                                  'title': 'Warnings'},
                                     'message': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                                 'default': None,
                                                 'description': "A substring the decision's message must "
                                                                'contain.',
                                                 'title': 'Message'},
                                     'until': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                               'default': None,
                                               'description': "The expiry of the decision's lock action, an "
                                                              'ISO 8601 instant with an offset or Z; '
                                                              'compared as an instant, so any offset may be '
                                                              'used.',
                                               'title': 'Until'}},
                      'title': 'Expect',
                      'type': 'object'},
           'LockState': {'additionalProperties': False,
                         'properties': {'until': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                                  'default': None,
                                                  'title': 'Until'},
                                        'enforce': {'default': False, 'title': 'Enforce', 'type': 'boolean'},
                                        'reason': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                                   'default': None,
                                                   'title': 'Reason'}},
                         'title': 'LockState',
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
           'OrderSpec': {'additionalProperties': False,
                         'properties': {'symbol': {'title': 'Symbol', 'type': 'string'},
                                        'side': {'enum': ['buy', 'sell'], 'title': 'Side', 'type': 'string'},
                                        'qty': {'minimum': 1, 'title': 'Qty', 'type': 'integer'},
                                        'type': {'default': 'market',
                                                 'enum': ['market', 'limit', 'stop', 'stop_limit'],
                                                 'title': 'Type',
                                                 'type': 'string'},
                                        'source': {'default': 'manual',
                                                   'description': 'manual, api, webhook, copy, cli; anything '
                                                                  'but manual counts as automation.',
                                                   'title': 'Source',
                                                   'type': 'string'},
                                        'price': {'anyOf': [{'type': 'integer'},
                                                            {'type': 'number'},
                                                            {'type': 'null'}],
                                                  'default': None,
                                                  'title': 'Price'},
                                        'stop_price': {'anyOf': [{'type': 'integer'},
                                                                 {'type': 'number'},
                                                                 {'type': 'null'}],
                                                       'default': None,
                                                       'title': 'Stop Price'},
                                        'intent': {'default': 'open',
                                                   'description': 'close and flatten mark an order meant to '
                                                                  'exit: it is an exit when it reduces the '
                                                                  'position by no more than is held; '
                                                                  'otherwise it is judged as any other '
                                                                  'order.',
                                                   'enum': ['open', 'close', 'flatten'],
                                                   'title': 'Intent',
                                                   'type': 'string'},
                                        'account': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                                    'default': None,
                                                    'title': 'Account'},
                                        'client_order_id': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                                            'default': None,
                                                            'title': 'Client Order Id'}},
                         'required': ['symbol', 'side', 'qty'],
                         'title': 'OrderSpec',
                         'type': 'object'},
           'PnlState': {'additionalProperties': False,
                        'properties': {'daily_realized': {'anyOf': [{'type': 'integer'}, {'type': 'number'}],
                                                          'default': 0,
                                                          'title': 'Daily Realized'},
                                       'weekly_realized': {'anyOf': [{'type': 'integer'}, {'type': 'number'}],
                                                           'default': 0,
                                                           'title': 'Weekly Realized'}},
                        'title': 'PnlState',
                        'type': 'object'},
           'PolicyTestSpec': {'additionalProperties': False,
                              'properties': {'policy': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                                        'default': None,
                                                        'description': 'Name of the RiskPolicy under test.',
                                                        'title': 'Policy'},
                                             'cases': {'items': {'$ref': '#/$defs/TestCase'},
                                                       'minItems': 1,
                                                       'title': 'Cases',
                                                       'type': 'array'}},
                              'required': ['cases'],
                              'title': 'PolicyTestSpec',
                              'type': 'object'},
           'PositionState': {'additionalProperties': False,
                             'properties': {'qty': {'title': 'Qty', 'type': 'integer'},
                                            'avg_price': {'anyOf': [{'type': 'integer'}, {'type': 'number'}],
                                                          'default': 0,
                                                          'title': 'Avg Price'}},
                             'required': ['qty'],
                             'title': 'PositionState',
                             'type': 'object'},
           'QuoteState': {'additionalProperties': False,
                          'properties': {'bid': {'anyOf': [{'type': 'integer'},
                                                           {'type': 'number'},
                                                           {'type': 'null'}],
                                                 'default': None,
                                                 'title': 'Bid'},
                                         'ask': {'anyOf': [{'type': 'integer'},
                                                           {'type': 'number'},
                                                           {'type': 'null'}],
                                                 'default': None,
                                                 'title': 'Ask'},
                                         'last': {'anyOf': [{'type': 'integer'},
                                                            {'type': 'number'},
                                                            {'type': 'null'}],
                                                  'default': None,
                                                  'title': 'Last'},
                                         'age': {'anyOf': [{'type': 'string'},
                                                           {'type': 'integer'},
                                                           {'type': 'number'},
                                                           {'type': 'null'}],
                                                 'default': None,
                                                 'description': "Age relative to the case's `at`, e.g. 2s.",
                                                 'title': 'Age'},
                                         'time': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                                  'default': None,
                                                  'description': 'ISO 8601 time of the quote, instead of '
                                                                 'age.',
                                                  'title': 'Time'}},
                          'title': 'QuoteState',
                          'type': 'object'},
           'State': {'additionalProperties': False,
                     'properties': {'account': {'anyOf': [{'$ref': '#/$defs/AccountState'}, {'type': 'null'}],
                                                'default': None},
                                    'positions': {'anyOf': [{'additionalProperties': {'$ref': '#/$defs/PositionState'},
                                                             'type': 'object'},
                                                            {'type': 'null'}],
                                                  'default': None,
                                                  'title': 'Positions'},
                                    'pnl': {'anyOf': [{'$ref': '#/$defs/PnlState'}, {'type': 'null'}],
                                            'default': None},
                                    'trades': {'anyOf': [{'$ref': '#/$defs/TradesState'}, {'type': 'null'}],
                                               'default': None},
                                    'quotes': {'anyOf': [{'additionalProperties': {'$ref': '#/$defs/QuoteState'},
                                                          'type': 'object'},
                                                         {'type': 'null'}],
                                               'default': None,
                                               'title': 'Quotes'},
                                    'automation_paused': {'default': False,
                                                          'title': 'Automation Paused',
                                                          'type': 'boolean'},
                                    'working': {'anyOf': [{'additionalProperties': {'$ref': '#/$defs/WorkingState'},
                                                           'type': 'object'},
                                                          {'type': 'null'}],
                                                'default': None,
                                                'description': 'Entry orders resting at the broker, in '
                                                               'contracts by symbol (any spelling; read as '
                                                               'its root), e.g. {ES: {buy: 2, sell: 1}}. The '
                                                               'positions stage judges the worst case: '
                                                               'max_position_size counts the position plus '
                                                               "every working order on the order's side plus "
                                                               'the order, and a symbol with a working entry '
                                                               'is open for max_open_positions. Working '
                                                               'exits are not listed; an order that only '
                                                               'reduces the held position stays an exit.',
                                                'title': 'Working'}},
                     'title': 'State',
                     'type': 'object'},
           'TestCase': {'additionalProperties': False,
                        'properties': {'name': {'minLength': 1, 'title': 'Name', 'type': 'string'},
                                       'at': {'description': 'ISO 8601 instant with an offset or Z.',
                                              'title': 'At',
                                              'type': 'string'},
                                       'account': {'anyOf': [{'type': 'string'}, {'type': 'null'}],
                                                   'default': None,
                                                   'description': 'Bind the policy by account instead of '
                                                                  'spec.policy.',
                                                   'title': 'Account'},
                                       'state': {'anyOf': [{'$ref': '#/$defs/State'}, {'type': 'null'}],
                                                 'default': None},
                                       'order': {'$ref': '#/$defs/OrderSpec'},
                                       'expect': {'$ref': '#/$defs/Expect'}},
                        'required': ['name', 'at', 'order', 'expect'],
                        'title': 'TestCase',
                        'type': 'object'},
           'TradesState': {'additionalProperties': False,
                           'properties': {'daily': {'default': 0, 'title': 'Daily', 'type': 'integer'},
                                          'weekly': {'default': 0, 'title': 'Weekly', 'type': 'integer'}},
                           'title': 'TradesState',
                           'type': 'object'},
           'WorkingState': {'additionalProperties': False,
                            'properties': {'buy': {'default': 0,
                                                   'description': 'Contracts in working buy entries.',
                                                   'minimum': 0,
                                                   'title': 'Buy',
                                                   'type': 'integer'},
                                           'sell': {'default': 0,
                                                    'description': 'Contracts in working sell entries.',
                                                    'minimum': 0,
                                                    'title': 'Sell',
                                                    'type': 'integer'}},
                            'title': 'WorkingState',
                            'type': 'object'}},
 'additionalProperties': False,
 'description': 'Test cases for a policy; usually in *.test.yaml.',
 'properties': {'apiVersion': {'const': 'ordergate/v1', 'title': 'Apiversion', 'type': 'string'},
                'kind': {'const': 'PolicyTest', 'title': 'Kind', 'type': 'string'},
                'metadata': {'$ref': '#/$defs/Metadata'},
                'spec': {'$ref': '#/$defs/PolicyTestSpec'}},
 'required': ['apiVersion', 'kind', 'metadata', 'spec'],
 'title': 'ordergate PolicyTest (ordergate/v1)',
 'type': 'object',
 '$schema': 'https://json-schema.org/draft/2020-12/schema',
 '$id': 'https://ordergate.dev/schemas/policytest.v1.json'}
