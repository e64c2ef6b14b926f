-- The @string domain (hotmesh.fn_string_*): JavaScript's String methods over jsonb. The subject
-- must be a string (arrays too for slice/includes/indexOf/lastIndexOf); other operands convert
-- as the methods convert them. Expected values are what Node.js prints for the same call.
BEGIN;
SELECT plan(129);

-- split ------------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_string_split('"Luke Birdeau"', '" "'), '["Luke", "Birdeau"]'::jsonb,
          'split on a delimiter');
SELECT is(hotmesh.fn_string_split('"a,b,,c"', '","'), '["a", "b", "", "c"]'::jsonb,
          'empty parts are kept');
SELECT is(hotmesh.fn_string_split('"abc"', '""'), '["a", "b", "c"]'::jsonb,
          'an empty delimiter splits into characters');
SELECT is(hotmesh.fn_string_split('""', '","'), '[""]'::jsonb, 'the empty string is [""]');
SELECT is(hotmesh.fn_string_split('""', '""'), '[]'::jsonb, '"".split("") is []');
SELECT is(hotmesh.fn_string_split('"a,b"', NULL), '["a,b"]'::jsonb,
          'an undefined delimiter gives the whole string');
SELECT is(hotmesh.fn_string_split('"1null2"', 'null'), '["1", "2"]'::jsonb,
          'a null delimiter is the string "null"');
SELECT is(hotmesh.fn_string_split('"1.5.2"', '5'), '["1.", ".2"]'::jsonb,
          'a number delimiter is its string');
SELECT throws_ok($$SELECT hotmesh.fn_string_split(NULL, '","')$$, '22023',
                 '@string.split: expected a string, got undefined',
                 'undefined has no split (TypeError)');
SELECT throws_ok($$SELECT hotmesh.fn_string_split('5', '","')$$, '22023',
                 '@string.split: expected a string, got number', 'nor has a number');

-- charAt, concat --------------------------------------------------------------------------------

SELECT is(hotmesh.fn_string_charat('"Luke"', '0'), '"L"'::jsonb, 'charAt(0)');
SELECT is(hotmesh.fn_string_charat('"Luke"', '3.7'), '"e"'::jsonb, 'the index truncates');
SELECT is(hotmesh.fn_string_charat('"Luke"', '4'), '""'::jsonb, 'past the end is ""');
SELECT is(hotmesh.fn_string_charat('"Luke"', '-1'), '""'::jsonb, 'a negative index is ""');
SELECT is(hotmesh.fn_string_charat('"Luke"', NULL), '"L"'::jsonb, 'undefined is index 0');
SELECT is(hotmesh.fn_string_charat('"héllo"', '1'), '"é"'::jsonb, 'indexes count characters');
SELECT throws_ok($$SELECT hotmesh.fn_string_charat('null', '0')$$, '22023',
                 '@string.charAt: expected a string, got null', 'null has no charAt');

SELECT is(hotmesh.fn_string_concat('"Luke"', '"Birdeau"'), '"LukeBirdeau"'::jsonb, 'concat');
SELECT is(hotmesh.fn_string_concat('"-sleep"', '",0,0,1"', '"-"', '13', '"-"'),
          '"-sleep,0,0,1-13-"'::jsonb, 'numbers join as their strings (HotMesh''s own test)');
SELECT is(hotmesh.fn_string_concat('"a"', 'null', NULL, 'true', '[1, [2, 3]]', '{"k": 1}'),
          '"atrue1,2,3[object Object]"'::jsonb,
          'null and undefined add nothing; arrays and objects add their ToString');
SELECT is(hotmesh.fn_string_concat('0.1', '1e21'), '"0.11e+21"'::jsonb,
          'numbers print as JavaScript prints them');
SELECT is(hotmesh.fn_string_concat(VARIADIC ARRAY[]::jsonb[]), '""'::jsonb, 'concat() is ""');

-- includes, indexOf, lastIndexOf ------------------------------------------------------------------

SELECT is(hotmesh.fn_string_includes('"Luke Birdeau"', '"Birdeau"'), 'true'::jsonb, 'includes');
SELECT is(hotmesh.fn_string_includes('"Luke Birdeau"', '"luke"'), 'false'::jsonb,
          'includes is case-sensitive');
SELECT is(hotmesh.fn_string_includes('"Luke"', '"L"', '1'), 'false'::jsonb,
          'includes from a position');
SELECT is(hotmesh.fn_string_includes('"Luke"', '""', '99'), 'true'::jsonb,
          'the empty string is everywhere');
SELECT is(hotmesh.fn_string_includes('"a5"', '5'), 'true'::jsonb, 'the search string converts');
SELECT is(hotmesh.fn_string_includes('"undefined"', NULL), 'true'::jsonb,
          'an undefined search string is "undefined"');
SELECT is(hotmesh.fn_string_includes('[1, "NaN", null]', '"NaN"'), 'true'::jsonb,
          'an array: Array.prototype.includes finds NaN (SameValueZero)');
SELECT is(hotmesh.fn_string_includes('[1, 2]', '"1"'), 'false'::jsonb,
          'an array compares strictly');
SELECT is(hotmesh.fn_string_includes('[1, 2]', '1', '-1'), 'false'::jsonb,
          'an array from a relative position');
SELECT throws_ok($$SELECT hotmesh.fn_string_includes('{"a": 1}', '"a"')$$, '22023',
                 '@string.includes: expected a string, got object', 'an object raises');

SELECT is(hotmesh.fn_string_indexof('"Luke Birdeau"', '"Birdeau"'), '5'::jsonb, 'indexOf');
SELECT is(hotmesh.fn_string_indexof('"abcabc"', '"b"', '2'), '4'::jsonb, 'indexOf from');
SELECT is(hotmesh.fn_string_indexof('"abc"', '"x"'), '-1'::jsonb, 'not found is -1');
SELECT is(hotmesh.fn_string_indexof('"abc"', '""', '10'), '3'::jsonb,
          'the empty string is found at the clamped position');
SELECT is(hotmesh.fn_string_indexof('"abc"', '"a"', '-5'), '0'::jsonb,
          'a negative position is 0');
SELECT is(hotmesh.fn_string_indexof('["a", "NaN", 1]', '1'), '2'::jsonb,
          'an array: the index of an element');
SELECT is(hotmesh.fn_string_indexof('["NaN"]', '"NaN"'), '-1'::jsonb,
          'an array never finds NaN (strict equality)');
SELECT is(hotmesh.fn_string_indexof('""', '""'), '0'::jsonb, '"".indexOf("") is 0');
SELECT throws_ok($$SELECT hotmesh.fn_string_indexof('true', '"t"')$$, '22023',
                 '@string.indexOf: expected a string, got boolean', 'a boolean raises');

SELECT is(hotmesh.fn_string_lastindexof('"abcabc"', '"b"'), '4'::jsonb, 'lastIndexOf');
SELECT is(hotmesh.fn_string_lastindexof('"abcabc"', '"b"', '3'), '1'::jsonb,
          'lastIndexOf at or before a position');
SELECT is(hotmesh.fn_string_lastindexof('"abcabc"', '"b"', '"NaN"'), '4'::jsonb,
          'a NaN position searches from the end');
SELECT is(hotmesh.fn_string_lastindexof('"abc"', '""'), '3'::jsonb,
          'the empty string is last found at the end');
SELECT is(hotmesh.fn_string_lastindexof('"abc"', '"abcd"'), '-1'::jsonb,
          'a longer search string is not found');
SELECT is(hotmesh.fn_string_lastindexof('[1, 2, 1]', '1', '2'), '2'::jsonb,
          'an array: the last index at or before a position');
SELECT is(hotmesh.fn_string_lastindexof('[1, 2, 1]', '1'), '0'::jsonb,
          'an array without position: HotMesh passes undefined, which is 0 for arrays');

-- search -----------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_string_search('"Luke Birdeau"', '"B"'), '5'::jsonb, 'search a string');
SELECT is(hotmesh.fn_string_search('"Luke Birdeau"', '"[aeiou]"'), '1'::jsonb,
          'search a character class');
SELECT is(hotmesh.fn_string_search('"Luke Birdeau"', '"x"'), '-1'::jsonb, 'no match is -1');
SELECT is(hotmesh.fn_string_search('"abcd"', '"abcd|b"'), '0'::jsonb,
          'the leftmost match wins, not the shortest');
SELECT is(hotmesh.fn_string_search('"a.c"', '"\\."'), '1'::jsonb, 'an escaped dot');
SELECT is(hotmesh.fn_string_search(to_jsonb(E'a\nbc'::text), '"a.c|b.$"'), '2'::jsonb,
          'a dot does not match a line terminator');
SELECT is(hotmesh.fn_string_search('"ab cd"', '"\\bc"'), '3'::jsonb,
          '\b is a word boundary (ARE''s \y)');
SELECT is(hotmesh.fn_string_search('"héllo"', '"\\bl"'), '2'::jsonb,
          'word characters are ASCII, as in JavaScript: é ends a word');
SELECT is(hotmesh.fn_string_search('"abc123"', '"\\d+"'), '3'::jsonb, '\d');
SELECT is(hotmesh.fn_string_search('"x-y z"', '"[\\s\\S]z"'), '3'::jsonb,
          '[\s\S] (refused by ARE inside brackets) still means any character');
SELECT is(hotmesh.fn_string_search('"ab1"', '"[^\\D]"'), '2'::jsonb, '[^\D] is a digit');
SELECT is(hotmesh.fn_string_search('"aXbb"', '"(?<x>b)\\k<x>"'), '2'::jsonb,
          'named groups and their back references');
SELECT is(hotmesh.fn_string_search('"a{b}"', '"{b}"'), '1'::jsonb,
          'braces that are no quantifier are literal');
SELECT is(hotmesh.fn_string_search('"xAy"', '"\\x41"'), '1'::jsonb, '\xHH');
SELECT is(hotmesh.fn_string_search('"price: 42"', '"(?<=: )\\d"'), '7'::jsonb, 'lookbehind');
SELECT is(hotmesh.fn_string_search('"abc"', NULL), '0'::jsonb,
          'an undefined pattern is the empty pattern, matching at 0');
SELECT is(hotmesh.fn_string_search('"a null"', 'null'), '2'::jsonb,
          'a null pattern is "null"');
SELECT is(hotmesh.fn_string_search('"/abc/i"', '"/abc/i"'), '0'::jsonb,
          'slashes and flags are part of the pattern, as with new RegExp("/abc/i")');
SELECT throws_ok($$SELECT hotmesh.fn_string_search('"abc"', '"("')$$, '22023',
                 '@string.search: invalid regular expression /(/: parentheses () not balanced',
                 'an invalid pattern raises (SyntaxError)');
SELECT throws_ok($$SELECT hotmesh.fn_string_search('5', '"5"')$$, '22023',
                 '@string.search: expected a string, got number', 'a number raises');

-- startsWith, endsWith ---------------------------------------------------------------------------

SELECT is(hotmesh.fn_string_startswith('"Luke Birdeau"', '"Luke"'), 'true'::jsonb, 'startsWith');
SELECT is(hotmesh.fn_string_startswith('"Luke Birdeau"', '"Birdeau"'), 'false'::jsonb,
          'startsWith, false');
SELECT is(hotmesh.fn_string_startswith('"Luke Birdeau"', '"Bird"', '5'), 'true'::jsonb,
          'startsWith at a position');
SELECT is(hotmesh.fn_string_startswith('"abc"', '""', '10'), 'true'::jsonb,
          'the empty string starts anywhere');
SELECT throws_ok($$SELECT hotmesh.fn_string_startswith('["a"]', '"a"')$$, '22023',
                 '@string.startsWith: expected a string, got array', 'an array raises');
SELECT is(hotmesh.fn_string_endswith('"Luke Birdeau"', '"Birdeau"'), 'true'::jsonb, 'endsWith');
SELECT is(hotmesh.fn_string_endswith('"Luke Birdeau"', '"Luke"', '4'), 'true'::jsonb,
          'endsWith within the first n characters');
SELECT is(hotmesh.fn_string_endswith('"abc"', '"abc"', '2'), 'false'::jsonb,
          'the search string does not fit');
SELECT is(hotmesh.fn_string_endswith('"abc"', '"c"', '"Infinity"'), 'true'::jsonb,
          'a length past the end is the end');

-- slice, substring -------------------------------------------------------------------------------

SELECT is(hotmesh.fn_string_slice('"Luke Birdeau"', '0', '4'), '"Luke"'::jsonb, 'slice');
SELECT is(hotmesh.fn_string_slice('"Luke Birdeau"', '-3'), '"eau"'::jsonb,
          'a negative start counts from the end');
SELECT is(hotmesh.fn_string_slice('"abc"', '2', '1'), '""'::jsonb, 'an empty range is ""');
SELECT is(hotmesh.fn_string_slice('"abc"'), '"abc"'::jsonb, 'no bounds is the whole string');
SELECT is(hotmesh.fn_string_slice('"abc"', 'null', '"-1"'), '"ab"'::jsonb,
          'bounds convert: null is 0, "-1" is -1');
SELECT is(hotmesh.fn_string_slice('[1, 2, 3, 4]', '1', '-1'), '[2, 3]'::jsonb,
          'an array: Array.prototype.slice');
SELECT is(hotmesh.fn_string_slice('[]', '1'), '[]'::jsonb, 'an empty array');
SELECT throws_ok($$SELECT hotmesh.fn_string_slice('{}', '1')$$, '22023',
                 '@string.slice: expected a string, got object', 'an object raises');

SELECT is(hotmesh.fn_string_substring('"  Luke Birdeau  "', '2', '6'), '"Luke"'::jsonb,
          'substring (HotMesh''s own test)');
SELECT is(hotmesh.fn_string_substring('"abcdef"', '4', '1'), '"bcd"'::jsonb,
          'substring swaps reversed bounds');
SELECT is(hotmesh.fn_string_substring('"abc"', '-2'), '"abc"'::jsonb,
          'a negative start is 0 (unlike slice)');
SELECT is(hotmesh.fn_string_substring('"abc"', '"NaN"', '2'), '"ab"'::jsonb, 'NaN is 0');
SELECT is(hotmesh.fn_string_substring('"abc"', '1', '"Infinity"'), '"bc"'::jsonb,
          'Infinity is the end');

-- case -------------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_string_tolowercase('"LUKE"'), '"luke"'::jsonb, 'toLowerCase');
SELECT is(hotmesh.fn_string_tolowercase('"ÉCOLE"'), '"école"'::jsonb,
          'toLowerCase maps beyond ASCII, whatever the database locale');
SELECT is(hotmesh.fn_string_tolowercase('""'), '""'::jsonb, 'the empty string');
SELECT throws_ok($$SELECT hotmesh.fn_string_tolowercase('5')$$, '22023',
                 '@string.toLowerCase: expected a string, got number', 'a number raises');
SELECT is(hotmesh.fn_string_touppercase('"Luke"'), '"LUKE"'::jsonb, 'toUpperCase');
SELECT is(hotmesh.fn_string_touppercase('"école"'), '"ÉCOLE"'::jsonb,
          'toUpperCase maps beyond ASCII');
SELECT throws_ok($$SELECT hotmesh.fn_string_touppercase(NULL)$$, '22023',
                 '@string.toUpperCase: expected a string, got undefined', 'undefined raises');

-- trim, padding ----------------------------------------------------------------------------------

SELECT is(hotmesh.fn_string_trim('"  Luke Birdeau  "'), '"Luke Birdeau"'::jsonb, 'trim');
SELECT is(hotmesh.fn_string_trim(to_jsonb(E'\t\n\u00a0\u2003\ufeffx\u3000\r'::text)),
          '"x"'::jsonb, 'trim removes tabs, line ends, no-break, em and ideographic spaces, BOM');
SELECT is(hotmesh.fn_string_trim('"   "'), '""'::jsonb, 'all whitespace trims to ""');
SELECT throws_ok($$SELECT hotmesh.fn_string_trim('null')$$, '22023',
                 '@string.trim: expected a string, got null', 'null raises');
SELECT is(hotmesh.fn_string_trimstart('"  Luke  "'), '"Luke  "'::jsonb, 'trimStart');
SELECT is(hotmesh.fn_string_trimend('"  Luke  "'), '"  Luke"'::jsonb, 'trimEnd');

SELECT is(hotmesh.fn_string_padstart('"Luke"', '8', '"-"'), '"----Luke"'::jsonb, 'padStart');
SELECT is(hotmesh.fn_string_padstart('"5"', '3', '"0"'), '"005"'::jsonb, 'zero padding');
SELECT is(hotmesh.fn_string_padstart('"abc"', '10', '"123"'), '"1231231abc"'::jsonb,
          'the filler repeats and is cut');
SELECT is(hotmesh.fn_string_padstart('"abc"', '6'), '"   abc"'::jsonb,
          'an undefined filler is a space');
SELECT is(hotmesh.fn_string_padstart('"abc"', '6', '""'), '"abc"'::jsonb,
          'an empty filler pads nothing');
SELECT is(hotmesh.fn_string_padstart('"abc"', '2', '"x"'), '"abc"'::jsonb,
          'a length below the string''s is the string');
SELECT is(hotmesh.fn_string_padstart('"abc"', '5', 'null'), '"nuabc"'::jsonb,
          'a null filler is "null"');
SELECT throws_ok($$SELECT hotmesh.fn_string_padstart('"a"', '"Infinity"')$$, '22023',
                 '@string.padStart: invalid string length',
                 'an infinite length raises (RangeError)');
SELECT is(hotmesh.fn_string_padend('"Luke"', '8', '"-"'), '"Luke----"'::jsonb, 'padEnd');
SELECT is(hotmesh.fn_string_padend('"abc"', '"5"', '"xy"'), '"abcxy"'::jsonb,
          'the length converts');

-- replace, repeat -------------------------------------------------------------------------------

SELECT is(hotmesh.fn_string_replace('"a-b-c"', '"-"', '"+"'), '"a+b-c"'::jsonb,
          'replace replaces the first occurrence only');
SELECT is(hotmesh.fn_string_replace('"a.b"', '"."', '"!"'), '"a!b"'::jsonb,
          'the pattern is literal, not a regular expression');
SELECT is(hotmesh.fn_string_replace('"abc"', '"x"', '"y"'), '"abc"'::jsonb, 'no match');
SELECT is(hotmesh.fn_string_replace('"abc"', '""', '"_"'), '"_abc"'::jsonb,
          'an empty pattern matches at the start');
SELECT is(hotmesh.fn_string_replace('"abc"', '"b"', '"[$&|$`|$''|$$|$1]"'),
          '"a[b|a|c|$|$1]c"'::jsonb, '$&, $`, $'' and $$ expand; $1 stays (no groups)');
SELECT is(hotmesh.fn_string_replace('"abc"', '"b"', NULL), '"aundefinedc"'::jsonb,
          'an undefined replacement is "undefined"');
SELECT is(hotmesh.fn_string_replace('"a1"', '1', '2'), '"a2"'::jsonb,
          'numbers convert to strings');
SELECT throws_ok($$SELECT hotmesh.fn_string_replace('[1]', '1', '2')$$, '22023',
                 '@string.replace: expected a string, got array', 'an array raises');

SELECT is(hotmesh.fn_string_repeat('"Luke"', '3'), '"LukeLukeLuke"'::jsonb, 'repeat');
SELECT is(hotmesh.fn_string_repeat('"ab"', '0'), '""'::jsonb, 'repeat 0 times');
SELECT is(hotmesh.fn_string_repeat('"ab"', '2.9'), '"abab"'::jsonb, 'the count truncates');
SELECT is(hotmesh.fn_string_repeat('"ab"', '"NaN"'), '""'::jsonb, 'NaN is 0');
SELECT is(hotmesh.fn_string_repeat('""', '1000000000'), '""'::jsonb,
          'the empty string repeats to the empty string');
SELECT throws_ok($$SELECT hotmesh.fn_string_repeat('"x"', '-1')$$, '22023',
                 '@string.repeat: invalid count value: -1', 'a negative count raises');
SELECT throws_ok($$SELECT hotmesh.fn_string_repeat('"x"', '"Infinity"')$$, '22023',
                 '@string.repeat: invalid count value: Infinity', 'an infinite count raises');
SELECT throws_ok($$SELECT hotmesh.fn_string_repeat('"x"', '1e300')$$, '22023',
                 '@string.repeat: invalid string length',
                 'a result longer than JavaScript''s longest string raises');

SELECT * FROM finish();
ROLLBACK;
