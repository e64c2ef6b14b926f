-- @object: hotmesh.fn_object_* against what JavaScript's Object functions return (HotMesh's
-- ObjectHandler). Expected values were checked against Node, except where a jsonb value cannot
-- behave like a JavaScript object (descriptors, freezing, key order): see R__fn_object.sql.
BEGIN;
SELECT plan(124);

-- get(obj, prop): obj?.[prop] --------------------------------------------------------------------

SELECT is(hotmesh.fn_object_get('{"a":1}', '"a"'), '1'::jsonb, 'get reads a property');
SELECT is(hotmesh.fn_object_get('{"a":null}', '"a"'), 'null'::jsonb, 'a null property is null');
SELECT is(hotmesh.fn_object_get('{"a":1}', '"b"'), NULL::jsonb, 'a missing property is undefined');
SELECT is(hotmesh.fn_object_get('{"a":{"b":1}}', '"a"'), '{"b":1}'::jsonb, 'get returns objects');
SELECT is(hotmesh.fn_object_get(NULL, '"a"'), NULL::jsonb, 'get on undefined is undefined');
SELECT is(hotmesh.fn_object_get('null', '"a"'), NULL::jsonb, 'get on null is undefined');
SELECT is(hotmesh.fn_object_get('{"1":"x"}', '1'), '"x"'::jsonb, 'a number key is its string');
SELECT is(hotmesh.fn_object_get('{"undefined":"x"}', NULL), '"x"'::jsonb,
          'an undefined key is the string undefined');
SELECT is(hotmesh.fn_object_get('{"":1}', '""'), '1'::jsonb, 'the empty key');
SELECT is(hotmesh.fn_object_get('[5,6]', '1'), '6'::jsonb, 'get on an array reads an element');
SELECT is(hotmesh.fn_object_get('[5,6]', '"length"'), '2'::jsonb, 'get reads an array''s length');
SELECT is(hotmesh.fn_object_get('"abc"', '"length"'), '3'::jsonb, 'get reads a string''s length');
SELECT is(hotmesh.fn_object_get('5', '"a"'), NULL::jsonb, 'a number has no properties');

-- set(obj, prop, value) ---------------------------------------------------------------------------

SELECT is(hotmesh.fn_object_set('{"a":1}', '"b"', '2'), '{"a":1,"b":2}'::jsonb,
          'set adds a property');
SELECT is(hotmesh.fn_object_set('{"a":1}', '"a"', 'null'), '{"a":null}'::jsonb,
          'set replaces a property, null included');
SELECT is(hotmesh.fn_object_set('{"a":1,"b":2}', '"a"', NULL), '{"b":2}'::jsonb,
          'setting undefined leaves the key out, as JSON does');
SELECT is(hotmesh.fn_object_set(NULL, '"a"', '1'), '{"a":1}'::jsonb, 'undefined starts as {}');
SELECT is(hotmesh.fn_object_set('null', '"a"', '1'), '{"a":1}'::jsonb, 'null starts as {}');
SELECT is(hotmesh.fn_object_set('0', '"a"', '1'), '{"a":1}'::jsonb, 'any falsy value starts as {}');
SELECT is(hotmesh.fn_object_set('{}', '1', '"x"'), '{"1":"x"}'::jsonb, 'a number key');
SELECT is(hotmesh.fn_object_set('[1,2]', '0', '9'), '[9,2]'::jsonb, 'set replaces an element');
SELECT is(hotmesh.fn_object_set('[1,2]', '3', '9'), '[1,2,null,9]'::jsonb,
          'set past the end pads with null');
SELECT is(hotmesh.fn_object_set('[1,2]', '"length"', '1'), '[1]'::jsonb, 'length truncates');
SELECT is(hotmesh.fn_object_set('[1,2]', '"x"', '4'), '[1,2]'::jsonb,
          'a named property of an array is not JSON');
SELECT throws_ok($$SELECT hotmesh.fn_object_set('[1]', '"length"', '-1')$$, '22023',
                 '@object.set: invalid array length: -1', 'a negative length raises');
SELECT throws_ok($$SELECT hotmesh.fn_object_set('5', '"a"', '1')$$, '22023',
                 '@object.set: cannot create property ''a'' on number 5',
                 'a primitive cannot take a property');
SELECT throws_ok($$SELECT hotmesh.fn_object_set('"s"', '"a"', '1')$$, '22023',
                 '@object.set: cannot create property ''a'' on string s',
                 'a string cannot take a property');

-- create(k1, v1, ...) -----------------------------------------------------------------------------

SELECT is(hotmesh.fn_object_create(), '{}'::jsonb, 'create without pairs is {}');
SELECT is(hotmesh.fn_object_create(VARIADIC ARRAY[]::jsonb[]), '{}'::jsonb,
          'create with an empty VARIADIC array is {}');
SELECT is(hotmesh.fn_object_create('"a"', '1', '"b"', '[2]'), '{"a":1,"b":[2]}'::jsonb,
          'create from key/value pairs');
SELECT is(hotmesh.fn_object_create('"a"', '1', '"b"'), '{"a":1}'::jsonb,
          'a key without a value is undefined, left out');
SELECT is(hotmesh.fn_object_create('"a"', '1', '"a"', '2'), '{"a":2}'::jsonb, 'a later key wins');
SELECT is(hotmesh.fn_object_create('1', '"x"', 'null', '"y"', NULL, '"z"'),
          '{"1":"x","null":"y","undefined":"z"}'::jsonb, 'keys are converted to strings');

-- keys, values, entries ---------------------------------------------------------------------------

SELECT is(hotmesh.fn_object_keys('{"a":1,"b":2}'), '["a","b"]'::jsonb, 'keys');
SELECT is(hotmesh.fn_object_keys('{}'), '[]'::jsonb, 'keys of {}');
SELECT is(hotmesh.fn_object_keys('[7,8]'), '["0","1"]'::jsonb, 'keys of an array are indexes');
SELECT is(hotmesh.fn_object_keys('"ab"'), '["0","1"]'::jsonb, 'keys of a string are indexes');
SELECT is(hotmesh.fn_object_keys('""'), '[]'::jsonb, 'keys of the empty string');
SELECT is(hotmesh.fn_object_keys(NULL), '[]'::jsonb, 'keys of undefined is []');
SELECT is(hotmesh.fn_object_keys('null'), '[]'::jsonb, 'keys of null is []');
SELECT is(hotmesh.fn_object_keys('5'), '[]'::jsonb, 'keys of a number is []');
SELECT is(hotmesh.fn_object_values('{"a":1,"b":[2]}'), '[1,[2]]'::jsonb, 'values');
SELECT is(hotmesh.fn_object_values('[7,null]'), '[7,null]'::jsonb, 'values of an array');
SELECT is(hotmesh.fn_object_values('"ab"'), '["a","b"]'::jsonb, 'values of a string');
SELECT is(hotmesh.fn_object_values(NULL), '[]'::jsonb, 'values of undefined is []');
SELECT is(hotmesh.fn_object_values('{}'), '[]'::jsonb, 'values of {}');
SELECT is(hotmesh.fn_object_entries('{"a":1,"b":null}'), '[["a",1],["b",null]]'::jsonb, 'entries');
SELECT is(hotmesh.fn_object_entries('[7]'), '[["0",7]]'::jsonb, 'entries of an array');
SELECT is(hotmesh.fn_object_entries('null'), '[]'::jsonb, 'entries of null is []');
SELECT is(hotmesh.fn_object_entries('true'), '[]'::jsonb, 'entries of a boolean is []');

-- fromEntries -------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_object_fromentries('[["a",1],["b",[2]]]'), '{"a":1,"b":[2]}'::jsonb,
          'fromEntries');
SELECT is(hotmesh.fn_object_fromentries('[]'), '{}'::jsonb, 'fromEntries of []');
SELECT is(hotmesh.fn_object_fromentries('[["a",1],["a",2]]'), '{"a":2}'::jsonb,
          'a later entry wins');
SELECT is(hotmesh.fn_object_fromentries('[["a"]]'), '{}'::jsonb,
          'an entry without a value is undefined, left out');
SELECT is(hotmesh.fn_object_fromentries('[[1,2,3]]'), '{"1":2}'::jsonb,
          'the key is converted to a string, extra items are ignored');
SELECT is(hotmesh.fn_object_fromentries('[{"0":"k","1":"v"}]'), '{"k":"v"}'::jsonb,
          'an entry may be an object with keys 0 and 1');
SELECT is(hotmesh.fn_object_fromentries('[[null,null]]'), '{"null":null}'::jsonb,
          'a null key is the string null');
SELECT is(hotmesh.fn_object_fromentries('""'), '{}'::jsonb, 'the empty string has no entries');
SELECT throws_ok($$SELECT hotmesh.fn_object_fromentries(NULL)$$, '22023',
                 '@object.fromEntries: undefined is not iterable', 'undefined raises');
SELECT throws_ok($$SELECT hotmesh.fn_object_fromentries('{"a":1}')$$, '22023',
                 '@object.fromEntries: object is not iterable', 'an object raises');
SELECT throws_ok($$SELECT hotmesh.fn_object_fromentries('[1]')$$, '22023',
                 '@object.fromEntries: iterator value 1 is not an entry object',
                 'an entry that is no object raises');
SELECT throws_ok($$SELECT hotmesh.fn_object_fromentries('"ab"')$$, '22023',
                 '@object.fromEntries: iterator value a is not an entry object',
                 'a string iterates characters, which are no entries');

-- assign ------------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_object_assign('{"a":1}', '{"b":2}', '{"a":3}'), '{"a":3,"b":2}'::jsonb,
          'assign copies sources left to right');
SELECT is(hotmesh.fn_object_assign(NULL, '{"b":2}'), '{"b":2}'::jsonb, 'an undefined target is {}');
SELECT is(hotmesh.fn_object_assign('null', 'null', NULL, '{"c":1}'), '{"c":1}'::jsonb,
          'null and undefined sources are skipped');
SELECT is(hotmesh.fn_object_assign('{"a":1}'), '{"a":1}'::jsonb, 'assign without sources');
SELECT is(hotmesh.fn_object_assign('{}', '"xy"'), '{"0":"x","1":"y"}'::jsonb,
          'a string source copies its characters');
SELECT is(hotmesh.fn_object_assign('{}', '[5,6]'), '{"0":5,"1":6}'::jsonb,
          'an array source copies its elements');
SELECT is(hotmesh.fn_object_assign('{}', '5', 'true'), '{}'::jsonb,
          'number and boolean sources have nothing to copy');
SELECT is(hotmesh.fn_object_assign('[1,2,3]', '[9]'), '[9,2,3]'::jsonb, 'assign onto an array');
SELECT is(hotmesh.fn_object_assign('{"a":{"x":1}}', '{"a":{"y":2}}'), '{"a":{"y":2}}'::jsonb,
          'assign is shallow');
SELECT is(hotmesh.fn_object_assign('5', '{"a":1}'), '5'::jsonb,
          'a primitive target is returned as is');

-- getOwnPropertyNames, getOwnPropertySymbols, getOwnPropertyDescriptor ----------------------------

SELECT is(hotmesh.fn_object_getownpropertynames('{"a":1}'), '["a"]'::jsonb, 'getOwnPropertyNames');
SELECT is(hotmesh.fn_object_getownpropertynames('[1,2]'), '["0","1","length"]'::jsonb,
          'an array has length as an own property');
SELECT is(hotmesh.fn_object_getownpropertynames('"ab"'), '["0","1","length"]'::jsonb,
          'a string has its indexes and length');
SELECT is(hotmesh.fn_object_getownpropertynames(NULL), '[]'::jsonb, 'undefined is {}');
SELECT is(hotmesh.fn_object_getownpropertynames('""'), '[]'::jsonb, 'the empty string is {}');
SELECT is(hotmesh.fn_object_getownpropertysymbols('{"a":1}'), '[]'::jsonb, 'JSON has no symbols');
SELECT is(hotmesh.fn_object_getownpropertysymbols(NULL), '[]'::jsonb,
          'getOwnPropertySymbols of undefined');
SELECT is(hotmesh.fn_object_getownpropertydescriptor('{"a":1}', '"a"'),
          '{"value":1,"writable":true,"enumerable":true,"configurable":true}'::jsonb,
          'the descriptor of an object property');
SELECT is(hotmesh.fn_object_getownpropertydescriptor('{"a":null}', '"a"'),
          '{"value":null,"writable":true,"enumerable":true,"configurable":true}'::jsonb,
          'the descriptor of a null property');
SELECT is(hotmesh.fn_object_getownpropertydescriptor('{"a":1}', '"b"'), NULL::jsonb,
          'a missing property has no descriptor');
SELECT is(hotmesh.fn_object_getownpropertydescriptor('[5]', '0'),
          '{"value":5,"writable":true,"enumerable":true,"configurable":true}'::jsonb,
          'the descriptor of an array element');
SELECT is(hotmesh.fn_object_getownpropertydescriptor('[5]', '"length"'),
          '{"value":1,"writable":true,"enumerable":false,"configurable":false}'::jsonb,
          'the descriptor of an array''s length');
SELECT is(hotmesh.fn_object_getownpropertydescriptor('"ab"', '1'),
          '{"value":"b","writable":false,"enumerable":true,"configurable":false}'::jsonb,
          'the descriptor of a string character');
SELECT is(hotmesh.fn_object_getownpropertydescriptor(NULL, '"a"'), NULL::jsonb,
          'undefined has no properties');

-- defineProperty, defineProperties ----------------------------------------------------------------

SELECT is(hotmesh.fn_object_defineproperty('{"a":1}', '"b"', '{"value":2}'), '{"a":1}'::jsonb,
          'a new property is not enumerable by default, so JSON does not show it');
SELECT is(hotmesh.fn_object_defineproperty('{"a":1}', '"b"', '{"value":2,"enumerable":true}'),
          '{"a":1,"b":2}'::jsonb, 'a new enumerable property');
SELECT is(hotmesh.fn_object_defineproperty('{"a":1}', '"a"', '{"value":2}'), '{"a":2}'::jsonb,
          'an existing property keeps being enumerable');
SELECT is(hotmesh.fn_object_defineproperty('{"a":1,"b":2}', '"a"', '{"enumerable":false}'),
          '{"b":2}'::jsonb, 'enumerable: false hides an existing property');
SELECT is(hotmesh.fn_object_defineproperty('{"a":1}', '"a"', '{}'), '{"a":1}'::jsonb,
          'an empty descriptor changes nothing');
SELECT is(hotmesh.fn_object_defineproperty('{"a":1}', '"a"', '{"value":null}'),
          '{"a":null}'::jsonb, 'a null value');
SELECT is(hotmesh.fn_object_defineproperty('[1,2]', '0', '{"value":9}'), '[9,2]'::jsonb,
          'defineProperty on an array element');
SELECT throws_ok($$SELECT hotmesh.fn_object_defineproperty('5', '"a"', '{}')$$, '22023',
                 '@object.defineProperty: called on non-object (number)',
                 'defineProperty on a primitive raises');
SELECT throws_ok($$SELECT hotmesh.fn_object_defineproperty('{}', '"a"', NULL)$$, '22023',
                 '@object.defineProperty: property description must be an object: undefined',
                 'a descriptor must be an object');
SELECT throws_ok($$SELECT hotmesh.fn_object_defineproperty('{}', '"a"', '{"get":5}')$$, '22023',
                 '@object.defineProperty: accessors (get, set) are functions and cannot be '
                 'defined on a JSON value (property ''a'')', 'accessors raise');
SELECT is(hotmesh.fn_object_defineproperties(
              '{"a":1}', '{"b":{"value":2,"enumerable":true},"a":{"value":3}}'),
          '{"a":3,"b":2}'::jsonb, 'defineProperties defines every property');
SELECT is(hotmesh.fn_object_defineproperties('{"a":1}', '5'), '{"a":1}'::jsonb,
          'a number has no properties to define');
SELECT throws_ok($$SELECT hotmesh.fn_object_defineproperties('{"a":1}', NULL)$$, '22023',
                 '@object.defineProperties: cannot convert undefined to object',
                 'undefined properties raise');
SELECT throws_ok($$SELECT hotmesh.fn_object_defineproperties('{"a":1}', '{"b":5}')$$, '22023',
                 '@object.defineProperties: property description must be an object: 5',
                 'each descriptor must be an object');

-- freeze, seal, preventExtensions and their predicates --------------------------------------------

SELECT is(hotmesh.fn_object_freeze('{"a":1}'), '{"a":1}'::jsonb, 'freeze returns the object');
SELECT is(hotmesh.fn_object_freeze(NULL), NULL::jsonb, 'freeze returns undefined as is');
SELECT is(hotmesh.fn_object_isfrozen('{"a":1}'), 'false'::jsonb, 'an object is not frozen');
SELECT is(hotmesh.fn_object_isfrozen('5'), 'true'::jsonb, 'a primitive is frozen');
SELECT is(hotmesh.fn_object_isfrozen(NULL), 'true'::jsonb, 'undefined is frozen');
SELECT is(hotmesh.fn_object_seal('[1]'), '[1]'::jsonb, 'seal returns the array');
SELECT is(hotmesh.fn_object_issealed('{}'), 'false'::jsonb, 'an object is not sealed');
SELECT is(hotmesh.fn_object_issealed('"s"'), 'true'::jsonb, 'a primitive is sealed');
SELECT is(hotmesh.fn_object_preventextensions('{"a":1}'), '{"a":1}'::jsonb,
          'preventExtensions returns the object');
SELECT is(hotmesh.fn_object_isextensible('[]'), 'true'::jsonb, 'an array is extensible');
SELECT is(hotmesh.fn_object_isextensible('null'), 'false'::jsonb, 'null is not extensible');

-- hasOwnProperty, isPrototypeOf, propertyIsEnumerable ---------------------------------------------

SELECT is(hotmesh.fn_object_hasownproperty('{"a":null}', '"a"'), 'true'::jsonb,
          'a null property is own');
SELECT is(hotmesh.fn_object_hasownproperty('{"a":1}', '"b"'), 'false'::jsonb,
          'a missing property is not');
SELECT is(hotmesh.fn_object_hasownproperty('[1]', '"length"'), 'true'::jsonb,
          'an array owns its length');
SELECT is(hotmesh.fn_object_hasownproperty('[1]', '1'), 'false'::jsonb,
          'an index past the end is not own');
SELECT is(hotmesh.fn_object_hasownproperty('5', '"a"'), 'false'::jsonb,
          'a number owns nothing');
SELECT throws_ok($$SELECT hotmesh.fn_object_hasownproperty('null', '"a"')$$, '22023',
                 '@object.hasOwnProperty: cannot convert null to object', 'null raises');
SELECT is(hotmesh.fn_object_isprototypeof('{}', '{}'), 'false'::jsonb,
          'a JSON value is never another''s prototype');
SELECT is(hotmesh.fn_object_isprototypeof(NULL, '5'), 'false'::jsonb,
          'a primitive has no prototype chain to search');
SELECT throws_ok($$SELECT hotmesh.fn_object_isprototypeof(NULL, '{}')$$, '22023',
                 '@object.isPrototypeOf: cannot convert undefined to object',
                 'undefined raises when there is a chain to search');
SELECT is(hotmesh.fn_object_propertyisenumerable('{"a":1}', '"a"'), 'true'::jsonb,
          'an object property is enumerable');
SELECT is(hotmesh.fn_object_propertyisenumerable('[1]', '"length"'), 'false'::jsonb,
          'an array''s length is not enumerable');
SELECT is(hotmesh.fn_object_propertyisenumerable('"ab"', '0'), 'true'::jsonb,
          'a string''s characters are enumerable');
SELECT throws_ok($$SELECT hotmesh.fn_object_propertyisenumerable(NULL, '"a"')$$, '22023',
                 '@object.propertyIsEnumerable: cannot convert undefined to object',
                 'undefined raises');

SELECT * FROM finish();
ROLLBACK;
