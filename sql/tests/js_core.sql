-- The JavaScript value semantics of R__js_core.sql, checked against what JavaScript (V8) gives:
-- every expected value below is what node printed for the same operation. SQL NULL stands for
-- undefined and the strings "NaN", "Infinity", "-Infinity" for the non-finite numbers.
BEGIN;
SELECT plan(243);

-- ToNumber: Number(value). Strings go through StringToNumber; arrays through their string.
SELECT is(hotmesh.js_to_number(t.value), t.expected,
          format('js_to_number(%s)', left(coalesce(t.value::text, 'undefined'), 40)))
FROM (VALUES
    (NULL::jsonb,       'NaN'::double precision),
    ('null',            0),
    ('true',            1),
    ('false',           0),
    ('42',              42),
    ('-1.5',            -1.5),
    ('0.1',             0.1),
    ('""',              0),
    ('"  "',            0),
    ('" 12 "',          12),
    ('"\t\n12\r"',      12),
    ('"1e3"',           1000),
    ('".5"',            0.5),
    ('"5."',            5),
    ('"+5"',            5),
    ('"-5e-1"',         -0.5),
    ('"0x1F"',          31),
    ('"0XfF"',          255),
    ('"-0x1F"',         'NaN'),
    ('"0b101"',         5),
    ('"0o17"',          15),
    ('"0x"',            'NaN'),
    ('"abc"',           'NaN'),
    ('"12px"',          'NaN'),
    ('"1_000"',         'NaN'),
    ('"infinity"',      'NaN'),
    ('"Infinity"',      'Infinity'),
    ('"-Infinity"',     '-Infinity'),
    ('"+Infinity"',     'Infinity'),
    ('"1e400"',         'Infinity'),
    ('"-1e400"',        '-Infinity'),
    ('"1e-400"',        0),
    ('"v5"',            'NaN'),
    ('"\u000b5"',       5),
    ('"\u30005\u2003"', 5),
    ('"\u16805\u205f"', 5),
    ('"\ufeff5\u2028"', 5),
    ('"\u200b12"',      'NaN'),
    ('1e400',           'Infinity'),
    ('-1e400',          '-Infinity'),
    ('1e-400',          0),
    ('[]',              0),
    ('[5]',             5),
    ('["7"]',           7),
    ('[[1]]',           1),
    ('[1,2]',           'NaN'),
    ('[null]',          0),
    ('{}',              'NaN'),
    ('{"a":1}',         'NaN'),
    ('"NaN"',           'NaN')
) AS t(value, expected);

-- StringToNumber on text: JavaScript's whitespace (not PostgreSQL's) is trimmed, 0x/0o/0b
-- need digits, out-of-range decimals overflow to Infinity or underflow to 0.
SELECT is(hotmesh.js_string_to_number(t.value), t.expected,
          format('js_string_to_number(%L)', left(t.value, 40)))
FROM (VALUES
    (''::text,                        0::double precision),
    (' ',                             0),
    ('42',                            42),
    (' -1.5e3 ',                      -1500),
    ('1.e5',                          100000),
    ('.',                             'NaN'),
    ('+.5',                           0.5),
    ('-.5e-3',                        -0.0005),
    ('00012',                         12),
    ('0x10',                          16),
    ('0b2',                           'NaN'),
    ('0o8',                           'NaN'),
    ('1e',                            'NaN'),
    ('e5',                            'NaN'),
    ('Infinityx',                     'NaN'),
    ('-',                             'NaN'),
    ('v1',                            'NaN'),
    ('0.' || repeat('0', 400) || '1', 0),
    (repeat('9', 400),                'Infinity')
) AS t(value, expected);

-- Number::toString: shortest round-trip digits, fixed from 1e-6 to 1e21, exponent outside.
-- -26540245096753768 prints as JavaScript's 16-digit ...770, which lies halfway to the next
-- double (PostgreSQL's float8 output would give 17 digits).
SELECT is(hotmesh.js_number_to_string(t.value), t.expected,
          format('js_number_to_string(%s)', t.value))
FROM (VALUES
    ('0'::double precision,                      '0'::text),
    ('-0'::double precision,                     '0'),
    ('NaN'::double precision,                    'NaN'),
    ('Infinity'::double precision,               'Infinity'),
    ('-Infinity'::double precision,              '-Infinity'),
    ('1'::double precision,                      '1'),
    ('-1'::double precision,                     '-1'),
    ('100'::double precision,                    '100'),
    ('123.456'::double precision,                '123.456'),
    ('0.1'::double precision,                    '0.1'),
    ('1e21'::double precision,                   '1e+21'),
    ('1.5e21'::double precision,                 '1.5e+21'),
    ('-1e21'::double precision,                  '-1e+21'),
    ('123456789012345680000'::double precision,  '123456789012345680000'),
    ('999999999999999900000'::double precision,  '999999999999999900000'),
    ('0.000001'::double precision,               '0.000001'),
    ('0.000001234'::double precision,            '0.000001234'),
    ('1e-7'::double precision,                   '1e-7'),
    ('-1.5e-7'::double precision,                '-1.5e-7'),
    ('9007199254740992'::double precision,       '9007199254740992'),
    ('9007199254740994'::double precision,       '9007199254740994'),
    ('-26540245096753768'::double precision,     '-26540245096753770'),
    ('5e-324'::double precision,                 '5e-324'),
    ('1.7976931348623157e308'::double precision, '1.7976931348623157e+308'),
    ('0.3333333333333333'::double precision,     '0.3333333333333333'),
    ('4.35'::double precision,                   '4.35')
) AS t(value, expected);

-- ToString: String(value).
SELECT is(hotmesh.js_to_string(t.value), t.expected,
          format('js_to_string(%s)', coalesce(t.value::text, 'undefined')))
FROM (VALUES
    (NULL::jsonb,               'undefined'::text),
    ('null',                    'null'),
    ('true',                    'true'),
    ('false',                   'false'),
    ('0',                       '0'),
    ('-0',                      '0'),
    ('1.50',                    '1.5'),
    ('1e21',                    '1e+21'),
    ('1e-7',                    '1e-7'),
    ('123456789',               '123456789'),
    ('""',                      ''),
    ('"abc"',                   'abc'),
    ('[]',                      ''),
    ('[[]]',                    ''),
    ('[1,[2,3],null,"a",true]', '1,2,3,,a,true'),
    ('[{}]',                    '[object Object]'),
    ('{}',                      '[object Object]'),
    ('{"a":1}',                 '[object Object]'),
    ('"NaN"',                   'NaN')
) AS t(value, expected);

-- ToBoolean: !!value.
SELECT is(hotmesh.js_truthy(t.value), t.expected,
          format('js_truthy(%s)', coalesce(t.value::text, 'undefined')))
FROM (VALUES
    (NULL::jsonb, false),
    ('null',      false),
    ('false',     false),
    ('true',      true),
    ('0',         false),
    ('-0',        false),
    ('0.0',       false),
    ('1',         true),
    ('-1',        true),
    ('0.5',       true),
    ('""',        false),
    ('" "',       true),
    ('"0"',       true),
    ('"false"',   true),
    ('[]',        true),
    ('[0]',       true),
    ('{}',        true)
) AS t(value, expected);

-- ===: same type and value; NaN equals nothing; 0 === -0.
SELECT is(hotmesh.js_strict_equals(t.a, t.b), t.expected,
          format('js_strict_equals(%s, %s)', coalesce(t.a::text, 'undefined'), coalesce(t.b::text, 'undefined')))
FROM (VALUES
    (NULL::jsonb,  NULL::jsonb,  true),
    (NULL,         'null',       false),
    ('null',       'null',       true),
    ('1',          '1.0',        true),
    ('1',          '"1"',        false),
    ('"a"',        '"a"',        true),
    ('"a"',        '"b"',        false),
    ('0',          '-0',         true),
    ('true',       '1',          false),
    ('true',       'true',       true),
    ('"NaN"',      '"NaN"',      false),
    ('"NaN"',      '1',          false),
    ('"Infinity"', '"Infinity"', true),
    ('[1]',        '"1"',        false),
    ('null',       '0',          false)
) AS t(a, b, expected);

-- ==: null and undefined only equal each other; booleans and strings compare as numbers
-- against numbers; an array or object compares by its string against a primitive.
SELECT is(hotmesh.js_loose_equals(t.a, t.b), t.expected,
          format('js_loose_equals(%s, %s)', coalesce(t.a::text, 'undefined'), coalesce(t.b::text, 'undefined')))
FROM (VALUES
    (NULL::jsonb,   NULL::jsonb,         true),
    (NULL,          'null',              true),
    ('null',        'null',              true),
    ('null',        '0',                 false),
    (NULL,          '0',                 false),
    ('null',        'false',             false),
    (NULL,          'false',             false),
    ('null',        '""',                false),
    ('0',           '""',                true),
    ('0',           '"0"',               true),
    ('""',          '"0"',               false),
    ('false',       '"0"',               true),
    ('false',       '"false"',           false),
    ('false',       '""',                true),
    ('true',        '1',                 true),
    ('true',        '"1"',               true),
    ('true',        '2',                 false),
    ('true',        '"true"',            false),
    ('1',           '1.0',               true),
    ('"1e3"',       '1000',              true),
    ('" 12 "',      '12',                true),
    ('"abc"',       '0',                 false),
    ('[1]',         '1',                 true),
    ('[1]',         '"1"',               true),
    ('[1]',         'true',              true),
    ('[1,2]',       '"1,2"',             true),
    ('[]',          'false',             true),
    ('[]',          '""',                true),
    ('[0]',         'false',             true),
    ('[null]',      '""',                true),
    ('{}',          '"[object Object]"', true),
    ('{}',          '[]',                false),
    ('"NaN"',       '"NaN"',             false),
    ('"NaN"',       '1',                 false),
    ('"-Infinity"', '-1e400',            true),
    ('0',           '-0',                true)
) AS t(a, b, expected);

-- a < b: -1, 0 or 1 (NULL when NaN makes both a < b and a > b false). Arrays and objects
-- become strings first, so [2] vs [10] and [2] vs "10" compare as strings; strings compare
-- by UTF-16 code unit, so U+1F600 (a surrogate pair) sorts before U+FF5A.
SELECT is(hotmesh.js_compare(t.a, t.b), t.expected,
          format('js_compare(%s, %s)', coalesce(t.a::text, 'undefined'), coalesce(t.b::text, 'undefined')))
FROM (VALUES
    ('1'::jsonb,       '2'::jsonb, -1),
    ('2',              '1',        1),
    ('1',              '1.0',      0),
    ('"a"',            '"b"',      -1),
    ('"B"',            '"a"',      -1),
    ('"a"',            '"aa"',     -1),
    ('""',             '""',       0),
    ('"10"',           '"9"',      -1),
    ('10',             '"9"',      1),
    ('"10"',           '9',        1),
    ('[2]',            '[10]',     1),
    ('[2]',            '"10"',     1),
    ('[2]',            '10',       -1),
    ('{}',             '"abc"',    -1),
    ('{}',             '1',        NULL),
    ('[]',             '0',        0),
    (NULL,             '1',        NULL),
    (NULL,             NULL,       NULL),
    ('null',           '0',        0),
    ('null',           '1',        -1),
    ('null',           NULL,       NULL),
    ('true',           '0',        1),
    ('false',          'true',     -1),
    ('"NaN"',          '1',        NULL),
    ('"abc"',          '1',        NULL),
    ('"Infinity"',     '1e308',    1),
    ('"-Infinity"',    '"-1e400"', 0),
    ('"1e3"',          '999',      1),
    ('" 5 "',          '5',        0),
    ('"\ud83d\ude00"', '"\uff5a"', -1),
    ('"\u00e9"',       '"z"',      1)
) AS t(a, b, expected);

-- Strings in UTF-16 code unit order.
SELECT is(hotmesh.js_compare_strings(t.a, t.b), t.expected,
          format('js_compare_strings(%L, %L)', t.a, t.b))
FROM (VALUES
    ('a'::text,     'b'::text,     -1),
    ('b',           'a',           1),
    ('',            '',            0),
    ('',            'a',           -1),
    ('abc',         'abd',         -1),
    ('Z',           'a',           -1),
    (U&'\00e9',     'z',           1),
    (U&'\+01f600',  U&'\ff5a',     -1),
    (U&'\ff5a',     U&'\+01f600',  1),
    (U&'a\+01f600', U&'a\ff5a',    -1),
    (U&'\+01f600',  U&'\+01f601',  -1),
    (U&'\+01f600',  U&'\+01f600',  0),
    (U&'\+01f600',  U&'\+01f600a', -1),
    (U&'\ffff',     U&'\+010000',  1)
) AS t(a, b, expected);

-- js_number: a double as jsonb; the non-finite numbers become their marker strings.
SELECT is(hotmesh.js_number(NULL), NULL, 'js_number(NULL) stays undefined');
SELECT is(hotmesh.js_number('NaN'), '"NaN"'::jsonb, 'js_number(NaN) is the "NaN" marker');
SELECT is(hotmesh.js_number('Infinity'), '"Infinity"'::jsonb, 'js_number(Infinity) is "Infinity"');
SELECT is(hotmesh.js_number('-Infinity'), '"-Infinity"'::jsonb, 'js_number(-Infinity) is "-Infinity"');
SELECT is(hotmesh.js_number('-0'), '0'::jsonb, 'js_number(-0) is 0');
SELECT is(hotmesh.js_number(1.5), '1.5'::jsonb, 'js_number(1.5) is 1.5');
SELECT is(hotmesh.js_number(0.1::double precision + 0.2::double precision), '0.30000000000000004'::jsonb,
          'js_number keeps every digit of 0.1 + 0.2');
SELECT is(hotmesh.js_number(1e21), '1000000000000000000000'::jsonb, 'js_number(1e21) is the number 1e21');
SELECT is(hotmesh.js_to_number(hotmesh.js_number(1.7976931348623157e308)), 1.7976931348623157e308::double precision,
          'the largest double survives js_number and back');

-- js_boolean: a SQL boolean as jsonb.
SELECT is(hotmesh.js_boolean(true), 'true'::jsonb, 'js_boolean(true)');
SELECT is(hotmesh.js_boolean(false), 'false'::jsonb, 'js_boolean(false)');
SELECT is(hotmesh.js_boolean(NULL), NULL, 'js_boolean(NULL) stays undefined');

-- Documented deviations of the value model (jsonb has no identity and no real NaN).
SELECT is(hotmesh.js_truthy('"NaN"'), true, 'the "NaN" marker is a non-empty string, hence truthy (JavaScript: NaN is falsy)');
SELECT is(hotmesh.js_strict_equals('{"a":1}', '{"a":1}'), true, 'objects are === by content (JavaScript: by identity)');
SELECT is(hotmesh.js_loose_equals('[1]', '[1]'), true, 'arrays are == by content (JavaScript: by identity)');
SELECT is(hotmesh.js_loose_equals('"Infinity"', '"1e400"'), false,
          'two strings compare as strings, even when one is the "Infinity" marker');

SELECT * FROM finish();
ROLLBACK;
