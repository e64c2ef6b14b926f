-- @json: hotmesh.fn_json_stringify and hotmesh.fn_json_parse against JSON.stringify and
-- JSON.parse (HotMesh's JsonHandler). Expected texts were checked against Node; objects use keys
-- whose jsonb order is their insertion order.
BEGIN;
SELECT plan(53);

-- stringify: compact by default -------------------------------------------------------------------

SELECT is(hotmesh.fn_json_stringify('{"a":1,"b":[1,2]}'), to_jsonb('{"a":1,"b":[1,2]}'::text),
          'stringify writes compact JSON');
SELECT is(hotmesh.fn_json_stringify('{"a":1,"b":[1,2.50,{"c":null}],"e":[],"f":{},"g":true}'),
          to_jsonb('{"a":1,"b":[1,2.5,{"c":null}],"e":[],"f":{},"g":true}'::text),
          'nested values, empty containers, null and booleans');
SELECT is(hotmesh.fn_json_stringify('{"bb":1,"a":2}'), to_jsonb('{"a":2,"bb":1}'::text),
          'keys come in jsonb''s order');
SELECT is(hotmesh.fn_json_stringify(NULL), NULL::jsonb, 'stringify(undefined) is undefined');
SELECT is(hotmesh.fn_json_stringify('null'), '"null"'::jsonb, 'null');
SELECT is(hotmesh.fn_json_stringify('true'), '"true"'::jsonb, 'true');
SELECT is(hotmesh.fn_json_stringify('"s"'), to_jsonb('"s"'::text), 'a string is quoted');
SELECT is(hotmesh.fn_json_stringify('""'), to_jsonb('""'::text), 'the empty string');
SELECT is(hotmesh.fn_json_stringify('[]'), '"[]"'::jsonb, 'the empty array');
SELECT is(hotmesh.fn_json_stringify('{}'), '"{}"'::jsonb, 'the empty object');
SELECT is(hotmesh.fn_json_stringify('100'), '"100"'::jsonb, 'an integer');
SELECT is(hotmesh.fn_json_stringify('1.50'), '"1.5"'::jsonb, 'a number as JavaScript writes it');
SELECT is(hotmesh.fn_json_stringify('1e21'), '"1e+21"'::jsonb, 'exponent notation from 1e21');
SELECT is(hotmesh.fn_json_stringify('1.5e-7'), '"1.5e-7"'::jsonb, 'exponent notation below 1e-6');
SELECT is(hotmesh.fn_json_stringify('123456789012345680000'), '"123456789012345680000"'::jsonb,
          'a large integer in fixed notation');
SELECT is(hotmesh.fn_json_stringify('-0'), '"0"'::jsonb, '-0 is written 0');
SELECT is(hotmesh.fn_json_stringify('1e400'), '"null"'::jsonb,
          'a number beyond a double is Infinity, written null');
SELECT is(hotmesh.fn_json_stringify('"NaN"'), to_jsonb('"NaN"'::text),
          'the NaN marker stays a string');
SELECT is(hotmesh.fn_json_stringify(to_jsonb(E'x\ny"z\\ \u001f\u007f é \u2028 / <'::text)),
          to_jsonb(E'"x\\ny\\"z\\\\ \\u001f\u007f é \u2028 / <"'::text),
          'strings are escaped as JSON.stringify escapes them');
SELECT is(hotmesh.fn_json_stringify(to_jsonb(E'\b\f\r\t'::text)),
          to_jsonb(E'"\\b\\f\\r\\t"'::text), 'the short escapes');
SELECT is(hotmesh.fn_json_stringify('{"a\"b":1}'), to_jsonb('{"a\"b":1}'::text),
          'keys are escaped too');

-- stringify: space --------------------------------------------------------------------------------

SELECT is(hotmesh.fn_json_stringify('{"a":1,"b":[1,{"c":null}],"e":[],"f":{}}', NULL, '2'),
          to_jsonb(E'{\n  "a": 1,\n  "b": [\n    1,\n    {\n      "c": null\n    }\n  ],\n'
                   '  "e": [],\n  "f": {}\n}'::text),
          'a number space indents by that many spaces, empty containers stay {} and []');
SELECT is(hotmesh.fn_json_stringify('[1,[2]]', NULL, '"\t"'),
          to_jsonb(E'[\n\t1,\n\t[\n\t\t2\n\t]\n]'::text), 'a string space indents by the string');
SELECT is(hotmesh.fn_json_stringify('[1]', NULL, '"0123456789abc"'),
          to_jsonb(E'[\n01234567891\n]'::text), 'a string space is cut to 10 characters');
SELECT is(hotmesh.fn_json_stringify('[1]', NULL, '20'),
          to_jsonb(E'[\n          1\n]'::text), 'a number space is at most 10');
SELECT is(hotmesh.fn_json_stringify('[1]', NULL, '2.9'),
          to_jsonb(E'[\n  1\n]'::text), 'a fractional space truncates');
SELECT is(hotmesh.fn_json_stringify('[1,2]', NULL, '0'), '"[1,2]"'::jsonb, 'space 0 is compact');
SELECT is(hotmesh.fn_json_stringify('[1,2]', NULL, '-3'), '"[1,2]"'::jsonb,
          'a negative space is compact');
SELECT is(hotmesh.fn_json_stringify('[1,2]', NULL, '""'), '"[1,2]"'::jsonb,
          'the empty string space is compact');
SELECT is(hotmesh.fn_json_stringify('[1,2]', NULL, 'true'), '"[1,2]"'::jsonb,
          'a space that is neither number nor string is ignored');
SELECT is(hotmesh.fn_json_stringify('{"a":1}', NULL, '1'), to_jsonb(E'{\n "a": 1\n}'::text),
          'with a space, a colon is followed by a space');
SELECT is(hotmesh.fn_json_stringify('7', NULL, '4'), '"7"'::jsonb,
          'a primitive is not indented');

-- stringify: replacer -----------------------------------------------------------------------------

SELECT is(hotmesh.fn_json_stringify('{"a":1,"b":{"a":2,"c":3},"d":4}', '["b","a"]'),
          to_jsonb('{"b":{"a":2},"a":1}'::text),
          'an array replacer keeps those keys, in its order, at every level');
SELECT is(hotmesh.fn_json_stringify('{"1":1,"2":2}', '[2,1,2]'), to_jsonb('{"2":2,"1":1}'::text),
          'number keys are converted to strings; duplicates count once');
SELECT is(hotmesh.fn_json_stringify('{"a":1,"b":2}', '["a",null,true,{"b":1}]'),
          to_jsonb('{"a":1}'::text), 'replacer elements that are no string or number are ignored');
SELECT is(hotmesh.fn_json_stringify('{"a":1,"b":2}', '[]'), '"{}"'::jsonb,
          'an empty replacer array keeps no keys');
SELECT is(hotmesh.fn_json_stringify('[{"a":1,"b":2}]', '["b"]'), to_jsonb('[{"b":2}]'::text),
          'the replacer applies inside arrays, not to array indexes');
SELECT is(hotmesh.fn_json_stringify('{"a":1,"b":2}', '{"a":1}'), to_jsonb('{"a":1,"b":2}'::text),
          'a replacer that is not an array is ignored');
SELECT is(hotmesh.fn_json_stringify('{"a":1,"b":2}', '["b"]', '2'),
          to_jsonb(E'{\n  "b": 2\n}'::text), 'replacer and space together');

-- parse -------------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_json_parse('"{\"a\":[1,2,{\"b\":null}]}"'), '{"a":[1,2,{"b":null}]}'::jsonb,
          'parse reads JSON text');
SELECT is(hotmesh.fn_json_parse(to_jsonb(E'\t[1]\n\r '::text)), '[1]'::jsonb,
          'JSON whitespace around the value is allowed');
SELECT is(hotmesh.fn_json_parse('"{\"a\":1,\"a\":2}"'), '{"a":2}'::jsonb,
          'a repeated key: the last one wins');
SELECT is(hotmesh.fn_json_parse('"\"\\u00e9\\n\""'), to_jsonb(E'é\n'::text),
          'escapes are decoded');
SELECT is(hotmesh.fn_json_parse('"null"'), 'null'::jsonb, 'the text null is null');
SELECT is(hotmesh.fn_json_parse('null'), 'null'::jsonb, 'null is read as the text null');
SELECT is(hotmesh.fn_json_parse('12'), '12'::jsonb, 'a number is read as its text');
SELECT is(hotmesh.fn_json_parse('["[1]"]'), '[1]'::jsonb, 'an array is read as its string form');
SELECT is(hotmesh.fn_json_parse('"-1.5e3"', '"ignored"'), '-1500'::jsonb,
          'the reviver is ignored');
SELECT throws_ok($$SELECT hotmesh.fn_json_parse(NULL)$$, '22023',
                 '@json.parse: invalid JSON: Token "undefined" is invalid.',
                 'undefined is the text undefined, which is no JSON');
SELECT throws_ok($$SELECT hotmesh.fn_json_parse('""')$$, '22023',
                 '@json.parse: invalid JSON: The input string ended unexpectedly.',
                 'the empty string is no JSON');
SELECT throws_ok($$SELECT hotmesh.fn_json_parse('"{a:1}"')$$, '22023',
                 '@json.parse: invalid JSON: Token "a" is invalid.', 'unquoted keys are no JSON');
SELECT throws_ok($$SELECT hotmesh.fn_json_parse('"[1,]"')$$, '22023',
                 '@json.parse: invalid JSON: Expected JSON value, but found "]".',
                 'a trailing comma is no JSON');
SELECT throws_ok($$SELECT hotmesh.fn_json_parse('{}')$$, '22023',
                 '@json.parse: invalid JSON: Token "object" is invalid.',
                 'an object is the text [object Object], which is no JSON');

SELECT * FROM finish();
ROLLBACK;
