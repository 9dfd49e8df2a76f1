#!/usr/bin/env python3
"""Regenerates crates/client/tests/fixtures/botocore.json from botocore itself.

Everything in the fixture is produced by botocore 1.44.8's own code (TokenEncoder, PageIterator,
its parameter validator, binascii.a2b_base64, the Image Builder paginator and service models), so the
Rust tests compare against botocore, not against our reading of it.

    python tests/interop/gen_botocore_tokens.py          # rewrite the fixture
    python tests/interop/gen_botocore_tokens.py --check  # exit 1 if it would change

The output is deterministic: running it twice gives the same bytes.
"""

import binascii
import copy
import json
import os
import sys

import botocore
import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.paginate import PageIterator, Paginator, TokenEncoder
from botocore.validate import validate_parameters

EXPECTED_BOTOCORE = "1.44.8"
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "crates", "client", "tests", "fixtures", "botocore.json")
OP = "ListWorkflowStepExecutions"
WF = "wf-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43"
GOLDEN_SERVER_TOKEN = "/wEAAAAAaVW5AAEABAAAAAIUVNFWB9Cd7aLkbT8td61P"


def b(obj):
    """botocore's own encoding of `obj` (a dict, or any JSON value for malformed-token cases)."""
    return TokenEncoder().encode(obj)


# ---------------------------------------------------------------------------------------------
# Models: which operations are paginated and how (paginators-1.json merged with sdk-extras).


def models():
    session = botocore.session.get_session()
    service = session.get_service_model("imagebuilder")
    paginators = session.get_paginator_model("imagebuilder")
    out = []
    for name in sorted(paginators._paginator_config):
        cfg = paginators.get_paginator(name)
        shape = service.operation_model(name).input_shape
        members = shape.members
        limit_key = cfg.get("limit_key")
        out.append(
            {
                "operation": name,
                "input_token": cfg["input_token"],
                "output_token": cfg["output_token"],
                "limit_key": limit_key,
                "result_key": cfg["result_key"],
                "non_aggregate_keys": cfg.get("non_aggregate_keys", []),
                "more_results": cfg.get("more_results"),
                "input_members": list(members),
                "token_min_length": members[cfg["input_token"]].metadata.get("min"),
                "limit_min": members[limit_key].metadata.get("min") if limit_key else None,
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# Token encoding: (dict -> token) exactly as TokenEncoder.encode.

TOKEN_STRINGS = [
    "tok-3",
    "None",
    "",
    GOLDEN_SERVER_TOKEN,
    'a"b\\c/d\n\x7f',
    "caf\u00e9\u2603",
    "\U0001f600",
    "\x00\x01\x1f \x7e",
    "\t\r\b\f\v",
    "'single'",
    "both'\"",
    "\u2028\u2029\u0085\u00a0",
    "\ud7ff\ue000\ufffd\uffff",
    "\u65e5\u672c\u8a9e",
    "<>&=+/",
    "a___1",
    "x" * 5000,
    "".join(chr(c) for c in range(0x20, 0x7F)),
    "\U00010000\U0010ffff",
]
TRUNCATE_AMOUNTS = [None, 0, 1, 2, -1, 1000000, 2**31, -(2**40), 2**62]


def encode_cases():
    cases = []
    for value in [None] + TOKEN_STRINGS:
        for amount in TRUNCATE_AMOUNTS:
            token = {"nextToken": value}
            if amount is not None:
                token["boto_truncate_amount"] = amount
            cases.append({"input": token, "token": b(token)})
    return cases


# ---------------------------------------------------------------------------------------------
# Lenient base64 (binascii.a2b_base64, what base64.b64decode uses by default).

BASE64_INPUTS = [
    "YQ==", "YQ==YQ==", "YWJj==YQ==", "=YQ==", "Y Q = =", "YW=Jj", "@@@@", "YQ", "YQ=", "Y=Q=",
    "a", "", "====", "YWJj", "YWI=", "YWI", "YW\nJj", "YWJj\n", "YQ===", "YQ=a", "Y===", "YWJ=j",
    "eyJuZXh0VG9rZW4iOiAidG9rLTMifQ", "eyJuZXh0VG9rZW4iOiAidG9rLTMifQ==", "-_-_", "YW_Jj",
    "\u00e9YQ==", "YQ==\u00e9", "YW==Jj", "YWJ==j", "A", "AB", "ABC", "ABCD", "AB=D", "A=BC",
]


def base64_cases():
    cases = []
    for text in BASE64_INPUTS:
        try:
            cases.append({"input": text, "bytes_hex": binascii.a2b_base64(text.encode("utf-8")).hex()})
        except binascii.Error as e:
            cases.append({"input": text, "error": str(e)})
    return cases


# ---------------------------------------------------------------------------------------------
# StartingToken decoding: what PageIterator._parse_starting_token returns (or raises).


def spaced(token):
    return " ".join(token[i:i + 5] for i in range(0, len(token), 5)) + "\n"


DECODE_INPUTS = [
    "tok-3", "None", "", "abc", "YQ==", GOLDEN_SERVER_TOKEN,
    "tok-3___1", "None___2", "abc___xyz", "a___b___c", "T3______1", "T3___ 1 ", "T3___+1",
    "T3___-1", "T3___1_0", "T3___1__0", "T3___", "___1", "T3___0x10", "T3___1.5", "___", "T3___None",
    b({"nextToken": "tok-3"}),
    b({"nextToken": "tok-3", "boto_truncate_amount": 1}),
    b({"nextToken": "tok-3", "boto_truncate_amount": 2}),
    b({"nextToken": None, "boto_truncate_amount": 2}),
    b({"nextToken": None, "boto_truncate_amount": -1}),
    b({"nextToken": "None"}),
    b({"nextToken": "tok-3", "boto_truncate_amount": 10}),
    b({"nextToken": "tok-3", "boto_truncate_amount": "1"}),
    b({"nextToken": "tok-3", "boto_truncate_amount": 1.5}),
    b({"nextToken": "tok-3", "boto_truncate_amount": True}),
    b({"nextToken": "tok-3", "boto_truncate_amount": None}),
    b({"nextToken": 5}),
    b({"nextToken": ["x"]}),
    b({"foo": "bar"}),
    b({"nextToken": "tok-3", "foo": "bar"}),
    b({}),
    b({"boto_truncate_amount": 3}),
    b("str"),
    b(5),
    b(None),
    b(True),
    b([1, 2]),
    b({"nextToken": "caf\u00e9\u2603", "boto_truncate_amount": 0}),
    b({"nextToken": GOLDEN_SERVER_TOKEN, "boto_truncate_amount": 2}),
    spaced(b({"nextToken": "tok-3", "boto_truncate_amount": 1})),
    b({"nextToken": "tok-3"}).rstrip("="),
    b({"nextToken": "tok-3", "boto_truncate_amount": 1}) + "garbage",
    b({"nextToken": "x", "nextToken ": "y"}).replace("IG5leHRUb2tlbiAi", "IG5leHRUb2tlbiI"),
    "eyJuZXh0VG9rZW4iOiAidG9rLTMiLCAibmV4dFRva2VuIjogInRvay00In0=",
    "/wEAAAAA___2",
    "IiI=",
    "e30=",
    "W10=",
]


def decode_cases():
    iterator_args = dict(
        method=None, input_token=["nextToken"], output_token=[], more_results=None,
        result_keys=[], non_aggregate_keys=[], limit_key="maxResults", max_items=None,
        page_size=None, op_kwargs={},
    )
    cases = []
    for text in DECODE_INPUTS:
        it = PageIterator(starting_token=text, **iterator_args)
        try:
            token, index = it._parse_starting_token()
            cases.append({"input": text, "next_token": token, "index": index})
        except Exception as e:  # noqa: BLE001 - the exception class is the fact being recorded
            cases.append({"input": text, "error": {"type": type(e).__name__, "message": str(e)}})
    return cases


# ---------------------------------------------------------------------------------------------
# Paginator runs against fake in-process services (the same fakes are rebuilt in Rust).


class ServiceError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


def item(i):
    return {"name": f"s{i}", "stepExecutionId": f"step-{i:04d}"}


def offset_page(server, kwargs, request_no):
    """Items s0..s(n-1); token tok-K means "continue at K"; default page size 25."""
    size = kwargs.get("maxResults", 25)
    if size > 100:
        raise ServiceError("InvalidRequestException", "maxResults must be between 1 and 100.")
    token = kwargs.get("nextToken")
    start = 0
    if token is not None:
        if not token.startswith("tok-") or not token[4:].isdigit():
            raise ServiceError("InvalidPaginationTokenException", "The pagination token is invalid.")
        start = int(token[4:])
    end = min(start + size, server["n"])
    page = {
        "requestId": f"req-{request_no}",
        "workflowBuildVersionArn": "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.0/1",
        "workflowExecutionId": WF,
        "imageBuildVersionArn": "arn:aws:imagebuilder:us-east-1:123456789012:image/web/1.0.0/1",
        "steps": [item(i) for i in range(start, end)],
    }
    more = end < server["n"] or (server.get("token_on_full") and end == server["n"] and end > start)
    if more:
        page["nextToken"] = f"tok-{end}"
    return page


def run_paginator(server, config, params, mode):
    """Runs botocore's real Paginator; `mode` is "pages", "full" or "search:<expr>"."""
    session = botocore.session.get_session()
    service = session.get_service_model("imagebuilder")
    op_model = service.operation_model(OP)
    pag_cfg = session.get_paginator_model("imagebuilder").get_paginator(OP)
    requests = []

    def method(**kwargs):
        validate_parameters(kwargs, op_model.input_shape)  # what the client method does first
        sent = {k: v for k, v in kwargs.items() if k in ("nextToken", "maxResults")}
        requests.append(sent)
        if len(requests) > 12:
            raise ServiceError("TooManyRequests", "fake service: request cap reached")
        if server.get("fail_on") == len(requests):
            raise ServiceError(server.get("fail_code", "InternalFailure"), "injected failure")
        if server["kind"] == "offset":
            return copy.deepcopy(offset_page(server, kwargs, len(requests)))
        responses = server["responses"]
        return copy.deepcopy(responses[min(len(requests), len(responses)) - 1])

    kwargs = {"workflowExecutionId": WF, **params}
    if config is not None:
        kwargs["PaginationConfig"] = config
    it = Paginator(method, pag_cfg, op_model).paginate(**kwargs)
    out = {"requests": requests}
    produced = []
    try:
        if mode == "pages":
            for page in it:
                produced.append(copy.deepcopy(page))
        elif mode == "full":
            out["full_result"] = it.build_full_result()
        else:
            for value in it.search(mode[len("search:"):]):
                produced.append(copy.deepcopy(value))
    except (ServiceError, ParamValidationError, Exception) as e:  # noqa: BLE001
        out["error"] = {"type": type(e).__name__, "message": str(e)}
    if mode != "full":
        out["pages" if mode == "pages" else "values"] = produced
    out["resume_token"] = it.resume_token
    out["non_aggregate_part"] = it.non_aggregate_part
    return out


OFFSET7 = {"kind": "offset", "n": 7}


def script(*pages):
    return {"kind": "script", "responses": list(pages)}


def page(items, token=..., **extra):
    p = dict(extra)
    if items is not None:
        p["steps"] = [item(i) for i in items]
    if token is not ...:
        p["nextToken"] = token
    return p


SCENARIOS = [
    # §3.8 golden table and §6 C-01..C-09 (N=7, PageSize 3, MaxItems varied).
    ("golden-no-max", OFFSET7, {"PageSize": 3}),
    *[(f"golden-max-{m}", OFFSET7, {"PageSize": 3, "MaxItems": m}) for m in (0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -5)],
    ("max-as-string", OFFSET7, {"PageSize": 3, "MaxItems": "4"}),
    ("page-size-as-string", OFFSET7, {"PageSize": "3", "MaxItems": 4}),
    ("unknown-config-key", OFFSET7, {"PageSize": 3, "MaxItem": 2}),
    ("resume-c02-p3", OFFSET7, {"PageSize": 3, "StartingToken": b({"nextToken": "tok-3", "boto_truncate_amount": 2})}),
    ("resume-c02-p3-m1", OFFSET7, {"PageSize": 3, "MaxItems": 1, "StartingToken": b({"nextToken": "tok-3", "boto_truncate_amount": 2})}),
    ("n6-p3-m6", {"kind": "offset", "n": 6}, {"PageSize": 3, "MaxItems": 6}),
    ("resume-null-2", OFFSET7, {"PageSize": 3, "StartingToken": b({"nextToken": None, "boto_truncate_amount": 2})}),
    # C-10 chain, M=2 P=3.
    ("chain-1", OFFSET7, {"PageSize": 3, "MaxItems": 2}),
    ("chain-2", OFFSET7, {"PageSize": 3, "MaxItems": 2, "StartingToken": b({"nextToken": None, "boto_truncate_amount": 2})}),
    ("chain-3", OFFSET7, {"PageSize": 3, "MaxItems": 2, "StartingToken": b({"nextToken": "tok-3", "boto_truncate_amount": 1})}),
    ("chain-4", OFFSET7, {"PageSize": 3, "MaxItems": 2, "StartingToken": b({"nextToken": "tok-6"})}),
    # C-11 offsets accumulate.
    ("accumulate", OFFSET7, {"PageSize": 3, "MaxItems": 1, "StartingToken": b({"nextToken": "tok-3", "boto_truncate_amount": 1})}),
    # Without PageSize (server default 25): quadratic resumes.
    ("default-size-m3", OFFSET7, {"MaxItems": 3}),
    ("default-size-m3-resume", OFFSET7, {"MaxItems": 3, "StartingToken": b({"nextToken": None, "boto_truncate_amount": 3})}),
    ("default-size-m3-resume-2", OFFSET7, {"MaxItems": 3, "StartingToken": b({"nextToken": None, "boto_truncate_amount": 6})}),
    # C-12 hazard.
    ("hazard-m5", OFFSET7, {"MaxItems": 5}),
    ("hazard-resume-p2", OFFSET7, {"PageSize": 2, "StartingToken": b({"nextToken": None, "boto_truncate_amount": 5})}),
    # C-13 .. C-16 starting tokens.
    ("raw-token", OFFSET7, {"PageSize": 3, "StartingToken": "tok-3"}),
    ("legacy-1", OFFSET7, {"PageSize": 3, "StartingToken": "tok-3___1"}),
    ("legacy-none-2", OFFSET7, {"PageSize": 3, "StartingToken": "None___2"}),
    ("legacy-opaque", OFFSET7, {"PageSize": 3, "StartingToken": "abc___xyz"}),
    ("legacy-bad", OFFSET7, {"PageSize": 3, "StartingToken": "a___b___c"}),
    ("legacy-with-max", OFFSET7, {"PageSize": 3, "MaxItems": 1, "StartingToken": "tok-3___1"}),
    ("st-unknown-key", OFFSET7, {"PageSize": 3, "StartingToken": b({"foo": "bar"})}),
    ("st-array", OFFSET7, {"PageSize": 3, "StartingToken": b([1, 2])}),
    ("st-none-string", OFFSET7, {"PageSize": 3, "StartingToken": b({"nextToken": "None"})}),
    ("st-none-string-max", OFFSET7, {"PageSize": 3, "MaxItems": 2, "StartingToken": b({"nextToken": "None"})}),
    ("st-skip-past-page", OFFSET7, {"PageSize": 3, "StartingToken": b({"nextToken": "tok-3", "boto_truncate_amount": 10})}),
    ("st-negative-skip", OFFSET7, {"PageSize": 3, "StartingToken": b({"nextToken": "tok-3", "boto_truncate_amount": -1})}),
    ("st-bool-skip", OFFSET7, {"PageSize": 3, "MaxItems": 1, "StartingToken": b({"nextToken": "tok-3", "boto_truncate_amount": True})}),
    ("st-null-skip", OFFSET7, {"PageSize": 3, "StartingToken": b({"nextToken": "tok-3", "boto_truncate_amount": None})}),
    ("st-empty", OFFSET7, {"PageSize": 3, "StartingToken": ""}),
    ("st-non-string-token", OFFSET7, {"PageSize": 3, "StartingToken": b({"nextToken": 5})}),
    ("st-spaced", OFFSET7, {"PageSize": 3, "StartingToken": spaced(b({"nextToken": "tok-3", "boto_truncate_amount": 1}))}),
    ("st-unpadded", OFFSET7, {"PageSize": 3, "StartingToken": b({"nextToken": "tok-3"}).rstrip("=")}),
    # C-17, C-18 repeated tokens.
    ("same-token", script(page([0, 1, 2], "SAME")), {"PageSize": 3}),
    ("same-token-quoted", script(page([0], "it's")), {}),
    ("same-token-unicode", script(page([0], "caf\u00e9\u2603\\")), {}),
    ("echo-starting-token", script(page([0, 1, 2], "SAME")), {"StartingToken": "SAME"}),
    # C-20 end markers.
    ("end-empty-string", script(page([0, 1], "t1"), page([2], "")), {}),
    ("end-null", script(page([0, 1], "t1"), page([2], None)), {}),
    ("end-absent", script(page([0, 1], "t1"), page([2])), {}),
    ("end-max-on-empty-string", script(page([0, 1], "")), {"MaxItems": 2}),
    # C-21 empty pages with tokens.
    ("empty-pages", script(page([0, 1, 2], "t1"), page([], "t2"), page([3, 4, 5], "t3"), page([], "t4"), page([6])), {}),
    ("empty-pages-m4", script(page([0, 1, 2], "t1"), page([], "t2"), page([3, 4, 5], "t3"), page([], "t4"), page([6])), {"MaxItems": 4}),
    ("empty-pages-m3", script(page([0, 1, 2], "t1"), page([], "t2"), page([3, 4, 5], "t3")), {"MaxItems": 3}),
    ("m0-empty-page-token", script(page([], "t1"), page([0], None)), {"MaxItems": 0}),
    # C-22 missing result key.
    ("missing-steps", script(page(None, "t1"), page([0, 1], "t2"), page(None)), {}),
    ("missing-steps-all", script(page(None, "t1"), page(None)), {}),
    ("steps-empty-all", script(page([], "t1"), page([])), {}),
    ("missing-steps-with-start", script(page(None, "t1"), page([0, 1])), {"StartingToken": b({"nextToken": "x", "boto_truncate_amount": 1})}),
    ("missing-steps-max-negative", script(page(None, "t1")), {"MaxItems": -1}),
    # C-23 non-aggregate keys from page 1 only.
    ("non-aggregate", script(
        page([0], "t1", requestId="r1", workflowExecutionId=WF, imageBuildVersionArn="img-1"),
        page([1], None, requestId="r2", workflowExecutionId="other", message="later")), {}),
    # C-25 page sizes.
    ("page-size-0", OFFSET7, {"PageSize": 0}),
    ("page-size-101", OFFSET7, {"PageSize": 101}),
    ("page-size-negative", OFFSET7, {"PageSize": -3}),
    # C-26 service errors.
    ("error-page-2", {**OFFSET7, "fail_on": 2}, {"PageSize": 3, "MaxItems": 5}),
    ("error-page-1", {**OFFSET7, "fail_on": 1}, {"PageSize": 3}),
    ("bad-service-token", OFFSET7, {"PageSize": 3, "StartingToken": "zzz"}),
    # C-27 token on an exactly full last page.
    ("full-last-page-token", {"kind": "offset", "n": 6, "token_on_full": True}, {"PageSize": 3, "MaxItems": 6}),
    ("full-last-page-resume", {"kind": "offset", "n": 6, "token_on_full": True}, {"PageSize": 3, "StartingToken": b({"nextToken": "tok-6"})}),
    # Parameters other than paging ones are sent unchanged; maxResults in params without PageSize.
    ("params-max-results", OFFSET7, {"params": {"maxResults": 2}, "MaxItems": 3}),
    ("params-max-results-overridden", OFFSET7, {"params": {"maxResults": 2}, "PageSize": 3}),
    ("params-max-results-0", OFFSET7, {"params": {"maxResults": 0}}),
]

SEARCHES = [
    ("search-names-m5", OFFSET7, {"PageSize": 3, "MaxItems": 5}, "steps[].name"),
    ("search-next-token", OFFSET7, {"PageSize": 3}, "nextToken"),
    ("search-execution-id", OFFSET7, {"PageSize": 3}, "workflowExecutionId"),
    ("search-first-step", OFFSET7, {"PageSize": 3}, "steps[0].name"),
    ("search-length", OFFSET7, {"PageSize": 3, "MaxItems": 4}, "length(steps)"),
    ("search-missing", script(page(None, "t1"), page([0])), {}, "steps"),
]


def split_config(cfg):
    cfg = dict(cfg)
    params = cfg.pop("params", {})
    return (cfg or None), params


def scenarios():
    out = []
    for name, server, cfg in SCENARIOS:
        config, params = split_config(cfg)
        out.append({
            "name": name, "server": server, "config": config, "params": params,
            "pages_run": run_paginator(server, config, params, "pages"),
            "full_run": run_paginator(server, config, params, "full"),
        })
    for name, server, cfg, expr in SEARCHES:
        config, params = split_config(cfg)
        out.append({
            "name": name, "server": server, "config": config, "params": params, "search": expr,
            "search_run": run_paginator(server, config, params, "search:" + expr),
        })
    return out


def main():
    if botocore.__version__ != EXPECTED_BOTOCORE:
        sys.exit(f"botocore {EXPECTED_BOTOCORE} required, found {botocore.__version__}")
    fixture = {
        "generator": "tests/interop/gen_botocore_tokens.py",
        "botocore": botocore.__version__,
        "paginators": models(),
        "encode": encode_cases(),
        "base64": base64_cases(),
        "decode": decode_cases(),
        "scenarios": scenarios(),
    }
    text = json.dumps(fixture, indent=1) + "\n"
    if "--check" in sys.argv[1:]:
        with open(FIXTURE, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit("fixture is stale: rerun gen_botocore_tokens.py")
        print("fixture is up to date")
        return
    with open(FIXTURE, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {os.path.normpath(FIXTURE)}")


if __name__ == "__main__":
    main()
