-- @array: hotmesh.fn_array_* against what JavaScript's Array methods return (HotMesh's
-- ArrayHandler). Expected values were checked against Node.
BEGIN;
SELECT plan(117);

-- get(array, index = 0): array?.[index || 0] ----------------------------------------------------

SELECT is(hotmesh.fn_array_get('[1,2,3]', '1'), '2'::jsonb, 'get returns the element at the index');
SELECT is(hotmesh.fn_array_get('[1,2,3]'), '1'::jsonb, 'get without an index returns the first');
SELECT is(hotmesh.fn_array_get('[1,2,3]', 'null'), '1'::jsonb, 'a null index is index 0');
SELECT is(hotmesh.fn_array_get('[1,2,3]', '"2"'), '3'::jsonb, 'a numeric string index works');
SELECT is(hotmesh.fn_array_get('[1,2,3]', '5'), NULL::jsonb, 'past the end is undefined');
SELECT is(hotmesh.fn_array_get('[1,2,3]', '-1'), NULL::jsonb, 'a negative index is undefined');
SELECT is(hotmesh.fn_array_get('[1,2,3]', '1.5'), NULL::jsonb, 'a fractional index is undefined');
SELECT is(hotmesh.fn_array_get('[1,2,3]', '"01"'), NULL::jsonb, '"01" is no array index');
SELECT is(hotmesh.fn_array_get('[null,2]', '0'), 'null'::jsonb, 'a null element stays null');
SELECT is(hotmesh.fn_array_get('[]'), NULL::jsonb, 'the first element of [] is undefined');
SELECT is(hotmesh.fn_array_get(NULL, '1'), NULL::jsonb, 'get on undefined is undefined');
SELECT is(hotmesh.fn_array_get('null', '1'), NULL::jsonb, 'get on null is undefined');
SELECT is(hotmesh.fn_array_get('"abc"', '1'), '"b"'::jsonb, 'get on a string returns a character');
SELECT is(hotmesh.fn_array_get('{"a":1}', '"a"'), '1'::jsonb,
          'get on an object reads the property');
SELECT is(hotmesh.fn_array_get('[1,2,3]', '"length"'), '3'::jsonb, 'get reads length too');
SELECT is(hotmesh.fn_array_get('5', '0'), NULL::jsonb, 'get on a number is undefined');

-- length ------------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_array_length('[1,[2,3]]'), '2'::jsonb, 'length counts elements');
SELECT is(hotmesh.fn_array_length('[]'), '0'::jsonb, 'the length of [] is 0');
SELECT is(hotmesh.fn_array_length('"héllo"'), '5'::jsonb, 'the length of a string in characters');
SELECT is(hotmesh.fn_array_length(NULL), NULL::jsonb, 'the length of undefined is undefined');
SELECT is(hotmesh.fn_array_length('null'), NULL::jsonb, 'the length of null is undefined');
SELECT is(hotmesh.fn_array_length('{"length":3}'), '3'::jsonb, 'an object''s length property');
SELECT is(hotmesh.fn_array_length('{}'), NULL::jsonb, 'an object without length: undefined');
SELECT is(hotmesh.fn_array_length('5'), NULL::jsonb, 'a number has no length');

-- concat ------------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_array_concat('[1]', '[2,[3]]'), '[1,2,[3]]'::jsonb,
          'concat spreads an array argument one level');
SELECT is(hotmesh.fn_array_concat('[1]', '2'), '[1,2]'::jsonb, 'concat appends a non-array');
SELECT is(hotmesh.fn_array_concat('[]', '{"a":1}'), '[{"a":1}]'::jsonb,
          'concat appends an object as one element');
SELECT is(hotmesh.fn_array_concat('[1]', NULL), '[1,null]'::jsonb,
          'concat with undefined appends it (written as null)');
SELECT is(hotmesh.fn_array_concat('[1]', 'null'), '[1,null]'::jsonb, 'concat appends null');
SELECT is(hotmesh.fn_array_concat('"ab"', '1'), '"ab1"'::jsonb, 'concat on a string joins strings');
SELECT throws_ok($$SELECT hotmesh.fn_array_concat(NULL, '[1]')$$, '22023',
                 '@array.concat: expected an array, got undefined', 'concat on undefined raises');
SELECT throws_ok($$SELECT hotmesh.fn_array_concat('5', '[1]')$$, '22023',
                 '@array.concat: expected an array, got number', 'concat on a number raises');

-- indexOf -----------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_array_indexof('[1,2,1]', '1'), '0'::jsonb, 'indexOf finds the first match');
SELECT is(hotmesh.fn_array_indexof('[1,2,1]', '1', '1'), '2'::jsonb, 'indexOf from an index');
SELECT is(hotmesh.fn_array_indexof('[1,2,1]', '1', '-1'), '2'::jsonb,
          'a negative fromIndex counts from the end');
SELECT is(hotmesh.fn_array_indexof('[1,2,1]', '1', '-10'), '0'::jsonb,
          'a fromIndex before the start searches everything');
SELECT is(hotmesh.fn_array_indexof('[1,2,1]', '1', '5'), '-1'::jsonb, 'a fromIndex past the end');
SELECT is(hotmesh.fn_array_indexof('[1,"1"]', '"1"'), '1'::jsonb, 'indexOf compares strictly');
SELECT is(hotmesh.fn_array_indexof('[null]', 'null'), '0'::jsonb, 'indexOf finds null');
SELECT is(hotmesh.fn_array_indexof('["NaN"]', '"NaN"'), '-1'::jsonb, 'NaN is never found');
SELECT is(hotmesh.fn_array_indexof('[]', '1'), '-1'::jsonb, 'nothing is found in []');
SELECT is(hotmesh.fn_array_indexof('"abcabc"', '"c"', '3'), '5'::jsonb,
          'indexOf on a string finds a substring from a position');
SELECT is(hotmesh.fn_array_indexof('"abc"', '"x"'), '-1'::jsonb, 'a missing substring is -1');
SELECT is(hotmesh.fn_array_indexof('"abc"', '""', '10'), '3'::jsonb,
          'the empty string is found at the clamped position');
SELECT throws_ok($$SELECT hotmesh.fn_array_indexof('null', '1')$$, '22023',
                 '@array.indexOf: expected an array, got null', 'indexOf on null raises');

-- join --------------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_array_join('[1,null,"a",[2,3],{"a":1},true]'),
          '"1,,a,2,3,[object Object],true"'::jsonb,
          'join converts elements to strings, null to empty, with , by default');
SELECT is(hotmesh.fn_array_join('[1,2]', '"-"'), '"1-2"'::jsonb, 'join with a separator');
SELECT is(hotmesh.fn_array_join('[1,2]', '""'), '"12"'::jsonb, 'join with the empty separator');
SELECT is(hotmesh.fn_array_join('[1,2]', 'null'), '"1null2"'::jsonb,
          'a null separator is the string null');
SELECT is(hotmesh.fn_array_join('[1.5,1e21,"NaN"]', '";"'), '"1.5;1e+21;NaN"'::jsonb,
          'numbers are written as JavaScript writes them');
SELECT is(hotmesh.fn_array_join('[]', '"-"'), '""'::jsonb, 'joining [] gives the empty string');
SELECT throws_ok($$SELECT hotmesh.fn_array_join('"ab"', '","')$$, '22023',
                 '@array.join: expected an array, got string', 'join on a string raises');

-- lastIndexOf -------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_array_lastindexof('[1,2,1]', '1'), '2'::jsonb,
          'lastIndexOf without fromIndex searches the whole array');
SELECT is(hotmesh.fn_array_lastindexof('[1,2,1]', '1', '1'), '0'::jsonb,
          'lastIndexOf searches backwards from fromIndex');
SELECT is(hotmesh.fn_array_lastindexof('[1,2,1]', '1', '-2'), '0'::jsonb,
          'a negative fromIndex counts from the end');
SELECT is(hotmesh.fn_array_lastindexof('[1,2,1]', '1', '-5'), '-1'::jsonb,
          'a fromIndex before the start finds nothing');
SELECT is(hotmesh.fn_array_lastindexof('[1,2,1]', '1', '10'), '2'::jsonb,
          'a fromIndex past the end searches everything');
SELECT is(hotmesh.fn_array_lastindexof('[1,2,1]', '3'), '-1'::jsonb, 'a missing element is -1');
SELECT is(hotmesh.fn_array_lastindexof('"abcabc"', '"c"'), '5'::jsonb,
          'lastIndexOf on a string');
SELECT is(hotmesh.fn_array_lastindexof('"abcabc"', '"c"', '4'), '2'::jsonb,
          'lastIndexOf on a string from a position');
SELECT is(hotmesh.fn_array_lastindexof('"abc"', '""'), '3'::jsonb,
          'the empty string is last found at the end');
SELECT is(hotmesh.fn_array_lastindexof('"abc"', '"abcd"'), '-1'::jsonb,
          'a longer search string is not found');
SELECT throws_ok($$SELECT hotmesh.fn_array_lastindexof(NULL, '1')$$, '22023',
                 '@array.lastIndexOf: expected an array, got undefined',
                 'lastIndexOf on undefined raises');

-- pop, push, shift, unshift -----------------------------------------------------------------------

SELECT is(hotmesh.fn_array_pop('[1,2,3]'), '3'::jsonb, 'pop returns the last element');
SELECT is(hotmesh.fn_array_pop('[]'), NULL::jsonb, 'pop on [] is undefined');
SELECT is(hotmesh.fn_array_pop('[null]'), 'null'::jsonb, 'pop returns a null element');
SELECT throws_ok($$SELECT hotmesh.fn_array_pop('"abc"')$$, '22023',
                 '@array.pop: expected an array, got string', 'pop on a string raises');
SELECT is(hotmesh.fn_array_push('[1]', '2', NULL, '[3]'), '[1,2,null,[3]]'::jsonb,
          'push returns the array with the items (undefined as null, arrays not spread)');
SELECT is(hotmesh.fn_array_push('[1]'), '[1]'::jsonb, 'push without items');
SELECT is(hotmesh.fn_array_push('[1]', VARIADIC ARRAY[]::jsonb[]), '[1]'::jsonb,
          'push with an empty VARIADIC array');
SELECT is(hotmesh.fn_array_push('[]', '{"a":1}'), '[{"a":1}]'::jsonb, 'push onto []');
SELECT throws_ok($$SELECT hotmesh.fn_array_push('{"a":1}', '1')$$, '22023',
                 '@array.push: expected an array, got object', 'push onto an object raises');
SELECT is(hotmesh.fn_array_shift('[1,2]'), '1'::jsonb, 'shift returns the first element');
SELECT is(hotmesh.fn_array_shift('[]'), NULL::jsonb, 'shift on [] is undefined');
SELECT throws_ok($$SELECT hotmesh.fn_array_shift(NULL)$$, '22023',
                 '@array.shift: expected an array, got undefined', 'shift on undefined raises');
SELECT is(hotmesh.fn_array_unshift('[1]', '2', '3'), '3'::jsonb, 'unshift returns the new length');
SELECT is(hotmesh.fn_array_unshift('[1]'), '1'::jsonb, 'unshift without items');
SELECT is(hotmesh.fn_array_unshift('[]', NULL), '1'::jsonb, 'unshift counts an undefined item');
SELECT throws_ok($$SELECT hotmesh.fn_array_unshift('null', '1')$$, '22023',
                 '@array.unshift: expected an array, got null', 'unshift on null raises');

-- reverse -----------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_array_reverse('[1,[2],null]'), '[null,[2],1]'::jsonb, 'reverse');
SELECT is(hotmesh.fn_array_reverse('[]'), '[]'::jsonb, 'reverse of []');
SELECT throws_ok($$SELECT hotmesh.fn_array_reverse('"abc"')$$, '22023',
                 '@array.reverse: expected an array, got string', 'reverse of a string raises');

-- slice -------------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_array_slice('[1,2,3,4]'), '[1,2,3,4]'::jsonb, 'slice without bounds copies');
SELECT is(hotmesh.fn_array_slice('[1,2,3,4]', '1'), '[2,3,4]'::jsonb, 'slice from start');
SELECT is(hotmesh.fn_array_slice('[1,2,3,4]', '-2'), '[3,4]'::jsonb,
          'a negative start counts from the end');
SELECT is(hotmesh.fn_array_slice('[1,2,3,4]', '1', '-1'), '[2,3]'::jsonb, 'a negative end');
SELECT is(hotmesh.fn_array_slice('[1,2,3,4]', '3', '1'), '[]'::jsonb, 'end before start is empty');
SELECT is(hotmesh.fn_array_slice('[1,2,3,4]', NULL, '2'), '[1,2]'::jsonb, 'undefined start is 0');
SELECT is(hotmesh.fn_array_slice('[1,2,3,4]', 'null', 'null'), '[]'::jsonb,
          'a null end is 0, not the length');
SELECT is(hotmesh.fn_array_slice('[1,2,3,4]', '1.7', '"Infinity"'), '[2,3,4]'::jsonb,
          'positions truncate; Infinity is the end');
SELECT is(hotmesh.fn_array_slice('"hello"', '1', '-1'), '"ell"'::jsonb, 'slice of a string');
SELECT throws_ok($$SELECT hotmesh.fn_array_slice('5')$$, '22023',
                 '@array.slice: expected an array, got number', 'slice of a number raises');

-- sort --------------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_array_sort('[10,9,1,100]'), '[1,9,10,100]'::jsonb,
          'numbers sort numerically, not as strings');
SELECT is(hotmesh.fn_array_sort('[3,null,1]'), '[null,1,3]'::jsonb,
          'ascending puts null first');
SELECT is(hotmesh.fn_array_sort('[3,null,1]', '"DESCENDING"'), '[3,1,null]'::jsonb,
          'descending puts null last');
SELECT is(hotmesh.fn_array_sort('[3,1,2]', '"desc"'), '[3,2,1]'::jsonb,
          'any order but ASCENDING sorts descending');
SELECT is(hotmesh.fn_array_sort('[3,1,2]', 'null'), '[3,2,1]'::jsonb,
          'a null order sorts descending (only undefined defaults to ASCENDING)');
SELECT is(hotmesh.fn_array_sort('["b","A","a","B","_x","10","9","é","e","f"]'),
          '["_x","10","9","a","A","b","B","e","é","f"]'::jsonb,
          'strings sort by localeCompare');
SELECT is(hotmesh.fn_array_sort('["b","A","a","B","é","e"]', '"DESCENDING"'),
          '["é","e","B","b","A","a"]'::jsonb, 'strings sort descending by localeCompare');
SELECT is(hotmesh.fn_array_sort('["10",9,"8"]'), '["8",9,"10"]'::jsonb,
          'a number and a string compare as numbers');
SELECT is(hotmesh.fn_array_sort('[2,1.5,-3,true,false]'), '[-3,false,true,1.5,2]'::jsonb,
          'booleans compare as numbers');
SELECT is(hotmesh.fn_array_sort('["Infinity",1,"-Infinity"]'),
          '["-Infinity",1,"Infinity"]'::jsonb, 'the infinities sort as numbers');
SELECT is(hotmesh.fn_array_sort('["b",null,"a","B"]', '"DESCENDING"'), '["B","b","a",null]'::jsonb,
          'strings with null, descending');
SELECT is(hotmesh.fn_array_sort('[2,null,-1.5,2.0,1e3]', '"DESCENDING"'),
          '[1000,2,2,-1.5,null]'::jsonb, 'numbers with null, descending');
SELECT is(hotmesh.fn_array_sort('[[10],null,9,true]'), '[null,true,9,[10]]'::jsonb,
          'mixed types compare with <: an array as its string, true as 1');
SELECT is(hotmesh.fn_array_sort('[]'), '[]'::jsonb, 'sorting [] gives []');
SELECT throws_ok($$SELECT hotmesh.fn_array_sort('"cba"')$$, '22023',
                 '@array.sort: expected an array, got string', 'sorting a string raises');

-- splice ------------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_array_splice('[1,2,3,4]', '1', '2'), '[2,3]'::jsonb,
          'splice returns the removed elements');
SELECT is(hotmesh.fn_array_splice('[1,2,3,4]', '1', '2', '9', '8'), '[2,3]'::jsonb,
          'inserted items do not change what is removed');
SELECT is(hotmesh.fn_array_splice('[1,2,3,4]', '-1', '1'), '[4]'::jsonb,
          'a negative start counts from the end');
SELECT is(hotmesh.fn_array_splice('[1,2,3,4]', '1', '0', '9'), '[]'::jsonb,
          'deleteCount 0 removes nothing');
SELECT is(hotmesh.fn_array_splice('[1,2,3,4]', '1'), '[2,3,4]'::jsonb,
          'without deleteCount everything from start is removed');
SELECT is(hotmesh.fn_array_splice('[1,2,3,4]', '1', NULL, '9'), '[]'::jsonb,
          'an undefined deleteCount followed by items removes nothing');
SELECT is(hotmesh.fn_array_splice('[1,2,3,4]', '1', '-2'), '[]'::jsonb,
          'a negative deleteCount removes nothing');
SELECT is(hotmesh.fn_array_splice('[1,2,3,4]', '1', '10'), '[2,3,4]'::jsonb,
          'deleteCount is clamped to the end');
SELECT is(hotmesh.fn_array_splice('[1,2,3,4]', '10', '1'), '[]'::jsonb,
          'a start past the end removes nothing');
SELECT throws_ok($$SELECT hotmesh.fn_array_splice(NULL, '1', '1')$$, '22023',
                 '@array.splice: expected an array, got undefined', 'splice on undefined raises');

SELECT * FROM finish();
ROLLBACK;
