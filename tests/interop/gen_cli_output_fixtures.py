#!/usr/bin/env python3
"""Generate crates/awscli/tests/fixtures/cli_output.json from the real AWS CLI's formatters.

Run with the interop venv (AWS CLI 1.46.3 installed):

    .venv/bin/python tests/interop/gen_cli_output_fixtures.py

For every value of the corpus below, the fixture records what `aws ... --output json|text|table`
writes to stdout once `--query` has produced that value: json and text, and table (with
`--color off`) at each width in TABLE_WIDTHS (80 is what the CLI uses when stdout is not a
terminal). A value the table formatter fails on (the CLI then reports an error on stderr and
writes nothing to stdout) is recorded as ""; text keeps what was written before a failure. The fixture also records the Unicode facts the
formatters rely on (east_asian_width W/F/A and str.isprintable, from this Python's unicodedata),
which crates/awscli/tests check against the crate's tables.

    .venv/bin/python tests/interop/gen_cli_output_fixtures.py --rust-tables

prints crates/api/src/pyfmt/unicode_tables.rs instead.

    .venv/bin/python tests/interop/gen_cli_output_fixtures.py --yaml --ruamel-path DIR

writes crates/awscli/tests/fixtures/yaml_output.json instead: the AWS CLI v2's `--output yaml`
(ruamel.yaml's safe dumper, block style, libyaml emitter) for the same corpus plus YAML-specific
strings. The AWS CLI v2 is not installable here and the venv has no ruamel.yaml, so install the
versions the fixture records into DIR first:

    .venv/bin/python -m pip install --target DIR ruamel.yaml==0.17.21 ruamel.yaml.clib==0.2.15

The output is deterministic: running the script again rewrites the same bytes.
"""

import argparse
import io
import json
import os
import sys
import types
import unicodedata

import awscli
from awscli.formatter import JSONFormatter, TableFormatter, TextFormatter

TABLE_WIDTHS = [80, 20, 50, 132, 250]
FIXTURE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    '..', '..', 'crates', 'awscli', 'tests', 'fixtures', 'cli_output.json',
)
YAML_FIXTURE = os.path.join(os.path.dirname(FIXTURE), 'yaml_output.json')


class _Query:
    """Stands in for the parsed --query expression: it yields the case's value."""

    def __init__(self, value):
        self._value = value

    def search(self, _response):
        return self._value


def _args(value):
    return types.SimpleNamespace(query=_Query(value), color='off')


def _response():
    # What the formatter receives before --query: a full response with its metadata.
    return {'ResponseMetadata': {'RequestId': 'r-1', 'HTTPStatusCode': 200}}


def render_json(command, value):
    out = io.StringIO()
    JSONFormatter(_args(value))(command, _response(), out)
    return out.getvalue()


def render_text(command, value):
    out = io.StringIO()
    try:
        TextFormatter(_args(value))(command, _response(), out)
    except Exception:
        # The text formatter writes as it goes: what it wrote before failing stays on stdout.
        pass
    return out.getvalue()


def render_table(command, value, width):
    formatter = TableFormatter(_args(value))
    # MultiTable asked the terminal for its width; pin it.
    formatter.table._terminal_width = width
    out = io.StringIO()
    try:
        formatter(command, _response(), out)
    except Exception:
        # The CLI turns this into an error on stderr; stdout stays as written so far.
        pass
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Corpus. Values are written as JSON text so that numbers keep their JSON spelling (1.0 is a
# float, 1 an int), exactly as botocore's parser would hand them over.

LONG = (
    'This description is deliberately long so that the table formatter has to decide what '
    'to do when a row is wider than the terminal it renders for.'
)

EDGE_CASES = [
    ('empty_dict', 'GetImage', '{}'),
    ('empty_list', 'ListImages', '[]'),
    ('empty_string', 'GetImage', '""'),
    ('zero', 'GetImage', '0'),
    ('zero_float', 'GetImage', '0.0'),
    ('negative_zero', 'GetImage', '-0.0'),
    ('false', 'GetImage', 'false'),
    ('true', 'GetImage', 'true'),
    ('null', 'GetImage', 'null'),
    ('string', 'GetImage', '"arn:aws:imagebuilder:us-east-1:123456789012:image/x/1.0.0/1"'),
    ('int', 'GetImage', '42'),
    ('negative_int', 'GetImage', '-7'),
    ('float', 'GetImage', '3.14'),
    ('big_ints', 'Numbers', '[9007199254740993, -9223372036854775808, 18446744073709551615]'),
    ('floats', 'Numbers', json.dumps({
        'one': 1.0, 'tenth': 0.1, 'small': 1e-07, 'big': 1e20, 'e16': 1e16, 'e15': 1e15,
        'fraction': 123456789.123, 'tiny': 2.5e-5, 'tenThousandth': 0.0001, 'huge': 1.5e300,
        'negative': -2.75, 'third': 1 / 3, 'max': 1.7976931348623157e308, 'min': 5e-324,
    })),
    ('float_list', 'Numbers', '[1.0, 0.1, 1e-07, 1e20, -0.0, 100.0, 1e16, 12345.678]'),
    ('single_scalar_key', 'CreateWorkflow', '{"workflowBuildVersionArn": "arn:aws:x"}'),
    ('two_scalar_keys', 'CreateWorkflow', '{"b": "second", "a": "first"}'),
    ('key_order', 'Keys', json.dumps({
        'b': 1, 'a': 2, 'B': 3, '_x': 4, 'é': 5, 'Z': 6, '1': 7, 'aa': 8, 'A b': 9})),
    ('nested_dicts', 'Nested', json.dumps({
        'outer': {'inner': {'leaf': 'value', 'num': 1}, 'flag': True},
        'name': 'top', 'count': 3,
    })),
    ('deep_nesting', 'Deep', json.dumps(
        {'l1': {'l2': {'l3': {'l4': {'l5': {'l6': {'leaf': 'deep', 'other': None}}}}}}})),
    ('dicts_differing_keys', 'ListThings', json.dumps([
        {'name': 'a', 'size': 1},
        {'name': 'b', 'color': 'red'},
        {'extra': True, 'size': 22, 'name': 'c'},
    ])),
    ('dicts_with_nested', 'ListThings', json.dumps({'things': [
        {'name': 'a', 'tags': {'k': 'v'}, 'items': [1, 2]},
        {'name': 'b', 'items': []},
        {'name': 'c', 'tags': {'k1': 'v1', 'k2': 'v2'}},
    ]})),
    ('dict_values_all_nested', 'ListThings', json.dumps([{'a': [1]}, {'a': [2, 3]}])),
    ('mixed_scalar_and_nested_key', 'Mixed', json.dumps([
        {'a': 1, 'b': 'x'}, {'a': [1, 'two', None, True, 1.5], 'b': 'y'},
        {'a': {'k': "it's", 'n': None}, 'b': 'z'},
    ])),
    ('scalar_list', 'ListImages', '["one", "two", "three"]'),
    ('scalar_list_mixed', 'Mixed', '["s", 1, 2.5, true, false, null, ""]'),
    ('scalar_list_under_key', 'ListImages', json.dumps(
        {'names': ['one', 'two'], 'count': 2, 'empty': [], 'nothing': {}})),
    ('list_of_lists', 'ListImages', json.dumps(
        [['a', 1, True], ['bb', 22, False], ['ccc', 333, None]])),
    ('list_of_lists_ragged', 'ListImages', json.dumps([['a', 1], ['b']])),
    ('list_of_lists_nested', 'ListImages', json.dumps(
        [['a', ['b', 'c']], ['d', {'e': 'f'}], [['g']]])),
    ('list_lists_under_key', 'Lists', json.dumps(
        {'rows': [['a', 'b'], 'c', ['d', ['e']]], 'other': [[1, 2], [3, 4]]})),
    ('list_scalar_then_dict', 'Mixed', json.dumps(['a', {'x': 1}])),
    ('list_scalar_then_empty_dict', 'Mixed', json.dumps(['a', {}])),
    ('list_dict_then_scalar', 'Mixed', json.dumps([{'x': 1}, 'a'])),
    ('list_dict_then_list', 'Mixed', json.dumps([{'x': 1}, [1, 2]])),
    ('list_list_of_dicts', 'Mixed', json.dumps(
        [[{'a': 1, 'b': 2}, {'a': 3, 'b': 4, 'c': [5]}]])),
    ('list_with_empties', 'Mixed', json.dumps(['x', [], ['y']])),
    ('list_of_empty_dicts', 'Mixed', json.dumps([{}, {}])),
    ('dict_list_with_empty_dict', 'Mixed', json.dumps([{'a': 1}, {}])),
    ('empty_key', 'Keys', json.dumps({'': 'blank', 'sub': {'': [1]}, 'x': 'y'})),
    ('nested_empty_title', 'Keys', json.dumps({'': {'a': 1, 'b': 2}})),
    ('unicode_cjk', 'Unicode', json.dumps({
        'name': '日本語の名前', 'desc': '中文描述', 'ascii': 'plain', 'kana': 'ｶﾀｶﾅ'})),
    ('unicode_emoji', 'Unicode', json.dumps({'rocket': '🚀 launch', 'flags': '🇯🇵', 'mixed': 'a🙂b'})),
    ('unicode_ambiguous', 'Unicode', json.dumps({
        'plusminus': '±5', 'accent': 'café', 'combining': 'e\u0301', 'greek': 'αβγ',
        'box': '─│', 'cyrillic': 'Привет'})),
    ('unicode_keys', 'Unicode', json.dumps([
        {'名前': 'テスト', 'ключ': 'значение'}, {'名前': '二', 'ключ': 'три'}])),
    ('control_chars', 'Control', json.dumps({
        'nul': 'a\x00b', 'bell': '\x07', 'esc': '\x1b[0m', 'del': 'x\x7fy',
        'c1': '\x85\x9f', 'ls': 'a\u2028b', 'zwsp': 'a\u200bb', 'nbsp': 'a\u00a0b',
        'bom': '\ufeff', 'private': '\ue000', 'tabs': 'a\tb', 'nl': 'line1\nline2',
        'cr': 'a\rb', 'bs': 'a\bb', 'ff': 'a\fb'})),
    ('control_in_repr', 'Control', json.dumps([
        {'v': 'x'}, {'v': ['a\x00', '\u2028', '\x7f', '\ufeff', 'é', '日', '🙂', '\U000e0001',
                           '\t\n\r', "'", '"', '\'"', '\\']}])),
    ('quotes_backslashes', 'Quotes', json.dumps({
        'single': "it's", 'double': 'say "hi"', 'both': '\'"', 'backslash': 'C:\\path\\x',
        'slash': 'a/b', 'json': '{"k": [1, 2]}'})),
    ('long_strings', 'GetWorkflowExecution', json.dumps({
        'message': LONG, 'status': 'RUNNING', 'id': 'wf-12345678-1234-1234-1234-123456789012'})),
    ('long_row_many_columns', 'ListThings', json.dumps([
        {'alpha': 'a' * 10, 'beta': 'b' * 20, 'gamma': 'c' * 5, 'delta': 'd', 'epsilon': 'e' * 15,
         'zeta': 'f' * 30},
        {'alpha': 'g', 'beta': 'h', 'gamma': 'i' * 25, 'delta': 'j' * 12, 'epsilon': 'k',
         'zeta': 'l'}])),
    ('long_title_narrow_body', 'AVeryLongOperationNameThatIsWiderThanItsContentsForSure',
     '{"a": 1}'),
    ('long_title_scalar', 'GetWorkflowExecutionWithAVeryVeryLongNameIndeed', '"x"'),
    ('wide_cjk_table', 'Unicode', json.dumps([
        {'k': '日本語日本語日本語日本語日本語日本語日本語', 'v': 'x'},
        {'k': 'a', 'v': '🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀'}])),
    ('rounding', 'Round', json.dumps([
        {'a': 'x', 'b': 'yy', 'c': 'zzz', 'd': 'wwww', 'e': 'v' * 7, 'f': 'u' * 11, 'g': 't'}])),
    ('rounding_two_rows', 'Round', json.dumps([
        {'a': 'x', 'b': 'yy', 'c': 'zzz', 'd': 'wwww', 'e': 'v' * 7, 'f': 'u' * 11, 'g': 't'},
        {'a': 'xxxxxxxxx', 'b': 'y', 'c': 'z', 'd': 'w', 'e': 'v', 'f': 'u', 'g': 'ttttttt'}])),
    ('strings_that_look_like_values', 'Looks', json.dumps({
        't': 'true', 'n': 'null', 'num': '123', 'f': '1.5', 'none': 'None', 'yes': 'yes',
        'date': '2024-01-02T03:04:05.678Z', 'space': ' lead', 'trail': 'trail ', 'dash': '- x',
        'colon': 'a: b', 'hash': 'a #b', 'star': '*ref', 'empty': ''})),
]

WORKFLOW_BUILD_VERSION_ARN = (
    'arn:aws:imagebuilder:us-east-1:123456789012:workflow/build/build-image/1.0.0/1')
IMAGE_ARN = 'arn:aws:imagebuilder:us-east-1:123456789012:image/my-image/1.0.0/1'

GET_WORKFLOW_EXECUTION = {
    'requestId': 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
    'workflowBuildVersionArn': WORKFLOW_BUILD_VERSION_ARN,
    'workflowExecutionId': 'wf-a1b2c3d4-5678-90ab-cdef-EXAMPLE22222',
    'imageBuildVersionArn': IMAGE_ARN,
    'type': 'BUILD',
    'status': 'COMPLETED',
    'message': 'Workflow completed successfully',
    'totalStepCount': 5,
    'totalStepsSucceeded': 4,
    'totalStepsFailed': 0,
    'totalStepsSkipped': 1,
    'startTime': '2024-03-01T10:00:00.000Z',
    'endTime': '2024-03-01T10:42:17.123Z',
    'parallelGroup': 'group-a',
}

LIST_WORKFLOW_STEP_EXECUTIONS = {
    'requestId': 'a1b2c3d4-5678-90ab-cdef-EXAMPLE33333',
    'steps': [
        {
            'stepExecutionId': 'step-a1b2c3d4-5678-90ab-cdef-EXAMPLE44444',
            'name': 'LaunchBuildInstance',
            'description': 'Launch the build instance',
            'action': 'LaunchInstance',
            'status': 'COMPLETED',
            'rollbackStatus': 'SKIPPED',
            'message': 'Instance i-0123456789abcdef0 launched',
            'inputs': '{"imageIdOverride": "ami-0123456789abcdef0"}',
            'outputs': '{"instanceId": "i-0123456789abcdef0"}',
            'startTime': '2024-03-01T10:00:01.000Z',
            'endTime': '2024-03-01T10:02:30.000Z',
        },
        {
            'stepExecutionId': 'step-a1b2c3d4-5678-90ab-cdef-EXAMPLE55555',
            'name': 'WaitForApproval',
            'description': 'Wait for a person to approve',
            'action': 'WaitForAction',
            'status': 'RUNNING',
            'rollbackStatus': 'SKIPPED',
            'startTime': '2024-03-01T10:02:31.000Z',
        },
    ],
    'workflowBuildVersionArn': WORKFLOW_BUILD_VERSION_ARN,
    'workflowExecutionId': 'wf-a1b2c3d4-5678-90ab-cdef-EXAMPLE22222',
    'imageBuildVersionArn': IMAGE_ARN,
    'message': 'Workflow is running',
    'nextToken': 'eyJzdGVwIjoyfQ==',
}

GET_IMAGE = {
    'requestId': 'a1b2c3d4-5678-90ab-cdef-EXAMPLE66666',
    'image': {
        'arn': IMAGE_ARN,
        'type': 'AMI',
        'name': 'my-image',
        'version': '1.0.0/1',
        'platform': 'Linux',
        'enhancedImageMetadataEnabled': True,
        'osVersion': 'Amazon Linux 2023',
        'state': {'status': 'AVAILABLE'},
        'imageRecipe': {
            'arn': 'arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/my-recipe/1.0.0',
            'type': 'AMI',
            'name': 'my-recipe',
            'description': 'Recipe with two components',
            'platform': 'Linux',
            'owner': '123456789012',
            'version': '1.0.0',
            'components': [
                {'componentArn':
                 'arn:aws:imagebuilder:us-east-1:aws:component/update-linux/1.0.2/1'},
                {'componentArn':
                 'arn:aws:imagebuilder:us-east-1:123456789012:component/my-comp/1.0.0/1',
                 'parameters': [{'name': 'Greeting', 'value': ['hello', 'world']}]},
            ],
            'parentImage': 'arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x',
            'blockDeviceMappings': [{
                'deviceName': '/dev/xvda',
                'ebs': {'encrypted': False, 'deleteOnTermination': True, 'volumeSize': 8,
                        'volumeType': 'gp3', 'iops': 3000, 'throughput': 125},
            }],
            'dateCreated': '2024-02-28T09:00:00.000Z',
            'tags': {'team': 'platform'},
            'workingDirectory': '/tmp',
            'additionalInstanceConfiguration': {
                'systemsManagerAgent': {'uninstallAfterBuild': False}},
        },
        'infrastructureConfiguration': {
            'arn': 'arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/infra',
            'name': 'infra',
            'instanceTypes': ['m5.large', 'm5.xlarge'],
            'instanceProfileName': 'EC2InstanceProfileForImageBuilder',
            'terminateInstanceOnFailure': True,
            'instanceMetadataOptions': {'httpTokens': 'required', 'httpPutResponseHopLimit': 2},
            'dateCreated': '2024-02-27T09:00:00.000Z',
            'tags': {},
        },
        'imageTestsConfiguration': {'imageTestsEnabled': True, 'timeoutMinutes': 720},
        'dateCreated': '2024-03-01T10:00:00.000Z',
        'outputResources': {
            'amis': [{
                'region': 'us-east-1',
                'image': 'ami-0123456789abcdef0',
                'name': 'my-image 2024-03-01T10-00-00.000Z',
                'description': 'Built by Image Builder',
                'state': {'status': 'AVAILABLE'},
                'accountId': '123456789012',
            }],
            'containers': [],
        },
        'tags': {'env': 'test', 'owner': 'alice'},
        'buildType': 'USER_INITIATED',
        'imageSource': 'CUSTOM',
        'workflows': [{
            'workflowArn': WORKFLOW_BUILD_VERSION_ARN,
            'parameters': [{'name': 'waitForActionAtEnd', 'value': ['true']}],
            'onFailure': 'ABORT',
            'parallelGroup': 'group-a',
        }],
        'executionRole': 'arn:aws:iam::123456789012:role/ImageBuilderExecution',
        'imageScanningConfiguration': {'imageScanningEnabled': False},
    },
}

REALISTIC_CASES = [
    ('get_workflow_execution', 'GetWorkflowExecution', GET_WORKFLOW_EXECUTION),
    ('list_workflow_step_executions', 'ListWorkflowStepExecutions',
     LIST_WORKFLOW_STEP_EXECUTIONS),
    ('get_image', 'GetImage', GET_IMAGE),
    ('list_waiting_workflow_steps_empty', 'ListWaitingWorkflowSteps',
     {'requestId': 'a1b2c3d4-5678-90ab-cdef-EXAMPLE77777', 'steps': []}),
    ('list_waiting_workflow_steps_bare', 'ListWaitingWorkflowSteps', {'steps': []}),
    ('create_workflow', 'CreateWorkflow', {
        'requestId': 'a1b2c3d4-5678-90ab-cdef-EXAMPLE88888',
        'clientToken': 'c0ffee00-0000-4000-8000-000000000001',
        'workflowBuildVersionArn': WORKFLOW_BUILD_VERSION_ARN}),
    ('query_steps_names', 'ListWorkflowStepExecutions',
     [s['name'] for s in LIST_WORKFLOW_STEP_EXECUTIONS['steps']]),
    ('query_steps_pairs', 'ListWorkflowStepExecutions',
     [[s['name'], s['status']] for s in LIST_WORKFLOW_STEP_EXECUTIONS['steps']]),
    ('query_steps', 'ListWorkflowStepExecutions', LIST_WORKFLOW_STEP_EXECUTIONS['steps']),
    ('query_status', 'GetWorkflowExecution', 'COMPLETED'),
    ('query_count', 'GetWorkflowExecution', 5),
]


def corpus():
    for name, command, text in EDGE_CASES:
        yield name, command, json.loads(text)
    for name, command, value in REALISTIC_CASES:
        # Round-trip through JSON text: the formatter sees what a JSON parser produced.
        yield name, command, json.loads(json.dumps(value))


# --------------------------------------------------------------------------------------------
# Unicode facts.

def _ranges(predicate):
    ranges = []
    start = None
    for cp in range(sys.maxunicode + 2):
        inside = cp <= sys.maxunicode and predicate(chr(cp))
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            ranges.append([start, cp - 1])
            start = None
    return ranges


def unicode_facts():
    return {
        'unidata_version': unicodedata.unidata_version,
        # get_text_length counts these as two columns.
        'wide': _ranges(lambda c: unicodedata.east_asian_width(c) in 'WFA'),
        # repr() escapes these.
        'not_printable': _ranges(lambda c: not c.isprintable()),
    }


def rust_tables(facts):
    def table(name, doc, ranges):
        lines = ['/// %s' % doc, 'pub(crate) static %s: &[(u32, u32)] = &[' % name]
        row = []
        for lo, hi in ranges:
            row.append('(0x%X, 0x%X),' % (lo, hi))
            if len(row) == 6:
                lines.append('    ' + ' '.join(row))
                row = []
        if row:
            lines.append('    ' + ' '.join(row))
        lines.append('];')
        return '\n'.join(lines)

    return '\n'.join([
        '//! Unicode %s facts the AWS CLI\'s formatters depend on, as CPython 3.11 sees them.'
        % facts['unidata_version'],
        '//!',
        '//! Generated by `tests/interop/gen_cli_output_fixtures.py --rust-tables`; do not edit.',
        '//! `tests/cli_output_fixtures.rs` checks these against the fixture.',
        '',
        '/// The Unicode version of these tables.',
        'pub const UNIDATA_VERSION: &str = "%s";' % facts['unidata_version'],
        '',
        table('WIDE', 'Code points whose East Asian Width is W, F or A (two table columns).',
              facts['wide']),
        '',
        table('NOT_PRINTABLE', 'Code points for which Python\'s `str.isprintable` is false.',
              facts['not_printable']),
        '',
    ])


YAML_STRINGS = [
    '', ' ', 'a', '-', '- a', '-a', 'a:', 'a: b', 'a:b', ':a', '?', '? a', '#a', 'a #b', 'a#b',
    '---', '...x', '--', 'yes', 'no', 'on', 'true', 'True', 'TRUE', 'tRue', 'null', 'Null', '~',
    '=', '<<', '!', '&', '*', '*a', '&a', '!a', '|', '>', '%', '@', '`', "'", '"', "a'b", 'a"b',
    '0', '-0', '+1', '1_000', '0x1F', '0o17', '017', '0b101', '1.5', '.5', '-.5', '1e3', '1E3',
    '1.e3', '.inf', '-.inf', '.nan', '.NaN', 'inf', 'nan', '2024-01-02', '2024-1-2T3:04:05',
    '2024-01-02T03:04:05Z', '2024-01-02 03:04:05.123 +01:00', '12:30', '1:20:30', 'a\tb', '\t',
    'a\nb', 'a\n', '\na', 'a\n\nb', 'a \nb', 'a\n b', ' a', 'a ', 'x\x00y', '\u00e9', '\u65e5',
    '\U0001f680', 'a\u2028b', '\ufeff', '\x85', '\xa0', 'a\\b', 'a\rb', 'a\x1bb', '[x]', '{x}',
    'a,b', 'a[b]', 'a{b}', 'x?y', '@x', 'a b c', 'word ' * 30, ('word ' * 30).strip(),
    'x' * 100 + ' ' + 'y' * 10, 'a' * 79 + '  b c', ('long ' * 20) + '\n' + ('line ' * 20),
    "'" + 'word ' * 25 + "'", 'tab\t' + 'word ' * 25, 'emoji \U0001f680 ' + 'word ' * 25,
    'two  spaces ' * 12, 'k' * 129, 'k' * 128,
]


def yaml_corpus():
    for name, command, value in corpus():
        yield name, value
    for i, s in enumerate(YAML_STRINGS):
        yield 'string_%d' % i, s
    yield 'strings_as_keys', {s: s for s in YAML_STRINGS}
    yield 'strings_in_lists', [[s] for s in YAML_STRINGS[:20]]
    yield 'nested_sequences', {
        'a': [[1, [2, {'b': [3]}]], {'c': {'d': []}}], 'e': [{'f': None}],
        'long': [{'x': 'word ' * 30}]}
    yield 'numbers', [1.0, 0.1, 1e-07, 1e20, -0.0, 100.0, 1e16, 12345.678, 9007199254740993, -5]


def yaml_fixture(ruamel_path):
    if ruamel_path:
        sys.path.insert(0, ruamel_path)
    import ruamel.yaml
    from ruamel.yaml import YAML
    import _ruamel_yaml

    dumper = YAML(typ='safe')
    dumper.default_flow_style = False
    cases = []
    for name, value in yaml_corpus():
        out = io.StringIO()
        # The AWS CLI v2's YAML formatter skips an empty response, like its JSON formatter.
        if value != {}:
            dumper.dump(value, out)
        cases.append({'name': name, 'value': value, 'yaml': out.getvalue()})
    return {
        'generator': 'tests/interop/gen_cli_output_fixtures.py --yaml',
        'ruamel_yaml_version': ruamel.yaml.__version__,
        'emitter': '%s.%s' % (dumper.Emitter.__module__, dumper.Emitter.__name__),
        'libyaml_version': _ruamel_yaml.get_version_string(),
        'cases': cases,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rust-tables', action='store_true',
                        help='print the Rust Unicode tables instead of writing the fixture')
    parser.add_argument('--yaml', action='store_true',
                        help='write the yaml fixture (needs ruamel.yaml, see above)')
    parser.add_argument('--ruamel-path', help='a directory holding ruamel.yaml')
    parser.add_argument('--output', help='where to write the fixture')
    options = parser.parse_args()
    if options.yaml:
        _write(yaml_fixture(options.ruamel_path), options.output or YAML_FIXTURE)
        return
    facts = unicode_facts()
    if options.rust_tables:
        sys.stdout.write(rust_tables(facts))
        return
    cases = []
    seen = set()
    for name, command, value in corpus():
        assert name not in seen, name
        seen.add(name)
        cases.append({
            'name': name,
            'command': command,
            'value': value,
            'json': render_json(command, value),
            'text': render_text(command, value),
            'table': {str(w): render_table(command, value, w) for w in TABLE_WIDTHS},
        })
    fixture = {
        'generator': 'tests/interop/gen_cli_output_fixtures.py',
        'awscli_version': awscli.__version__,
        'python_version': '%d.%d' % sys.version_info[:2],
        'table_widths': TABLE_WIDTHS,
        'unicode': facts,
        'cases': cases,
    }
    _write(fixture, options.output or FIXTURE)


def _write(fixture, path):
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        json.dump(fixture, f, indent=1, ensure_ascii=True)
        f.write('\n')


if __name__ == '__main__':
    main()
