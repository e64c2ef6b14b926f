-- The @date domain (R__fn_date.sql) against JavaScript: every expected value is what node
-- printed for the same call (with TZ=UTC and en-US), except where a comment says otherwise.
BEGIN;
SELECT plan(179);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-02 03:04:05.678999+00');
-- The session's time zone must not matter (it is still January 1 in New York).
SET LOCAL timezone = 'America/New_York';

-- All 47 catalog functions exist.
SELECT is((SELECT count(*)::integer FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'hotmesh' AND p.proname LIKE 'fn\_date\_%'), 47,
          'the @date domain has its 47 functions');
SELECT is(provolatile::text, 's', 'now() reads the clock: STABLE')
FROM pg_proc WHERE oid = 'hotmesh.fn_date_now()'::regprocedure;
SELECT is(provolatile::text, 'i', 'getters are IMMUTABLE')
FROM pg_proc WHERE oid = 'hotmesh.fn_date_getday(jsonb)'::regprocedure;

-- Inputs: an ISO string, epoch ms, a numeric string (HotMesh's getDateInstance).
SELECT is(hotmesh.fn_date_gettime('"2024-01-02T03:04:05.678Z"'), '1704164645678'::jsonb,
          'an ISO string is read as a date');
SELECT is(hotmesh.fn_date_gettime('1704164645678'), '1704164645678'::jsonb,
          'a number is epoch ms');
SELECT is(hotmesh.fn_date_gettime('"1704164645678"'), '1704164645678'::jsonb,
          'a numeric string is epoch ms');
SELECT is(hotmesh.fn_date_gettime('"2024-01-02"'), '1704153600000'::jsonb,
          'a date-only ISO string is UTC midnight');
SELECT is(hotmesh.fn_date_gettime('" 12abc"'), '12'::jsonb,
          'another string is read as HotMesh does, with parseInt(s, 10) as ms');
SELECT is(hotmesh.fn_date_gettime('"12/25/2024"'), '12'::jsonb,
          'so a US date string is 12 ms (HotMesh''s parseInt quirk)');
SELECT is(hotmesh.fn_date_gettime('"2024-01-02T03:04:05+01:00"'), '1704161045000'::jsonb,
          'an ISO string with an offset is parsed (HotMesh would read 2024 ms)');
SELECT is(hotmesh.fn_date_gettime('"2024-01-02T03:04:05.6789Z"'), '1704164645678'::jsonb,
          'extra fraction digits are cut to milliseconds');
SELECT is(hotmesh.fn_date_gettime('"+012345-01-01T00:00:00.000Z"'), '327403382400000'::jsonb,
          'an extended (six-digit) year is parsed');
SELECT is(hotmesh.fn_date_gettime('"2024-13-01"'), '"NaN"'::jsonb,
          'month 13 is an Invalid Date: NaN');
SELECT is(hotmesh.fn_date_gettime('1.7'), '1'::jsonb,
          'fractional ms are cut (TimeClip)');
SELECT is(hotmesh.fn_date_gettime('-1.7'), '-1'::jsonb,
          'towards zero');
SELECT is(hotmesh.fn_date_gettime('8640000000000001'), '"NaN"'::jsonb,
          'beyond +-8.64e15 ms is an Invalid Date');
SELECT is(hotmesh.fn_date_gettime('"NaN"'), '"NaN"'::jsonb,
          'the NaN marker is the number NaN: an Invalid Date');
SELECT is(hotmesh.fn_date_gettime('"Infinity"'), '"NaN"'::jsonb,
          'Infinity is an Invalid Date');

-- Clock: hotmesh.now() (the test clock is set above).
SELECT is(hotmesh.fn_date_now(), '1893553445678'::jsonb,
          'now() is epoch ms of hotmesh.now(), microseconds cut');
SELECT is(hotmesh.fn_date_yyyymmdd(), '"2030-01-02"'::jsonb,
          'yyyymmdd() is today in UTC');
SELECT is(hotmesh.fn_date_toisoxstring(), '"20300102030405.678"'::jsonb,
          'toISOXString() is now');
SELECT is(hotmesh.fn_date_toisoxstring(NULL), '"20300102030405.678"'::jsonb,
          'toISOXString(undefined) is now');
SELECT is(hotmesh.fn_date_toisoxstring('0'), '"20300102030405.678"'::jsonb,
          'toISOXString(0) is now too (a falsy operand, as in HotMesh)');
SELECT is(hotmesh.fn_date_toisoxstring('null'), '"20300102030405.678"'::jsonb,
          'toISOXString(null) is now');

-- fromISOString and parse.
SELECT is(hotmesh.fn_date_fromisostring('"2024-01-02T03:04:05.678Z"'), '"2024-01-02T03:04:05.678Z"'::jsonb,
          'fromISOString returns the ISO string');
SELECT is(hotmesh.fn_date_fromisostring('"2024-01-02"'), '"2024-01-02T00:00:00.000Z"'::jsonb,
          'a date alone is normalized to midnight UTC');
SELECT is(hotmesh.fn_date_fromisostring('"2024-01-02T03:04:05+01:00"'), '"2024-01-02T02:04:05.000Z"'::jsonb,
          'an offset is applied');
SELECT is(hotmesh.fn_date_fromisostring('"Tue Jan 02 2024 03:04:05 GMT+0000 (Coordinated Universal Time)"'), '"2024-01-02T03:04:05.000Z"'::jsonb,
          'toString''s form is read back');
SELECT is(hotmesh.fn_date_fromisostring('1704164645678'), '"2024-01-02T03:04:05.678Z"'::jsonb,
          'a number is epoch ms (new Date(n))');
SELECT is(hotmesh.fn_date_fromisostring('null'), '"1970-01-01T00:00:00.000Z"'::jsonb,
          'null is epoch 0 (new Date(null))');
SELECT is(hotmesh.fn_date_fromisostring(NULL), 'null'::jsonb,
          'undefined is an Invalid Date, which JSON makes null');
SELECT is(hotmesh.fn_date_fromisostring('"garbage"'), 'null'::jsonb,
          'an unparsable string is an Invalid Date: null');
SELECT is(hotmesh.fn_date_fromisostring('""'), 'null'::jsonb,
          'the empty string is an Invalid Date: null');
SELECT is(hotmesh.fn_date_parse('"2024-01-02T03:04:05.678Z"'), '1704164645678'::jsonb,
          'parse gives epoch ms');
SELECT is(hotmesh.fn_date_parse('"2024-02-30"'), '1709251200000'::jsonb,
          'parse rolls February 30 over to March 1, as V8 does');
SELECT is(hotmesh.fn_date_parse('"2024-02-32"'), '"NaN"'::jsonb,
          'but day 32 is NaN');
SELECT is(hotmesh.fn_date_parse('"2024-13-01"'), '"NaN"'::jsonb,
          'month 13 is NaN');
SELECT is(hotmesh.fn_date_parse('"2024-01-02T24:00:00Z"'), '1704240000000'::jsonb,
          '24:00 is the next midnight');
SELECT is(hotmesh.fn_date_parse('"2024-01-02 03:04:05"'), '1704164645000'::jsonb,
          'a space for T and no zone (local time is UTC)');
SELECT is(hotmesh.fn_date_parse('"2024"'), '1704067200000'::jsonb,
          'a year alone');
SELECT is(hotmesh.fn_date_parse('"-000001-01-01T00:00:00.000Z"'), '-62198755200000'::jsonb,
          'a negative extended year');
SELECT is(hotmesh.fn_date_parse('"+275760-09-13T00:00:00.001Z"'), '"NaN"'::jsonb,
          'one ms past the last date is NaN');
SELECT is(hotmesh.fn_date_parse('"Tue, 02 Jan 2024 03:04:05 GMT"'), '1704164645000'::jsonb,
          'toUTCString''s form');
SELECT is(hotmesh.fn_date_parse('"Tue Jan 02 2024 03:04:05 GMT+0100"'), '1704161045000'::jsonb,
          'toString''s form with an offset');
SELECT is(hotmesh.fn_date_parse('"1/2/2024, 3:04:05 PM"'), '1704207845000'::jsonb,
          'toLocaleString''s form');
SELECT is(hotmesh.fn_date_parse('"January 2, 2024"'), '1704153600000'::jsonb,
          'a month name');
SELECT is(hotmesh.fn_date_parse('"Jan 01 49"'), '2493072000000'::jsonb,
          'a two-digit year below 50 is 20xx');
SELECT is(hotmesh.fn_date_parse('"garbage"'), '"NaN"'::jsonb,
          'garbage is NaN');
SELECT is(hotmesh.fn_date_parse('""'), '"NaN"'::jsonb,
          'the empty string is NaN');
SELECT is(hotmesh.fn_date_parse(NULL), '"NaN"'::jsonb,
          'undefined is NaN');
SELECT is(hotmesh.fn_date_parse('null'), '"NaN"'::jsonb,
          'null is NaN');

-- Getters. The server has no user time zone, so the local getters are the UTC ones.
SELECT is(hotmesh.fn_date_getdate('"2024-01-02T03:04:05.678Z"'), '2'::jsonb,
          'getDate (local = UTC)');
SELECT is(hotmesh.fn_date_getutcdate('"2024-01-02T03:04:05.678Z"'), '2'::jsonb,
          'getUTCDate');
SELECT is(hotmesh.fn_date_getday('"2024-01-02T03:04:05.678Z"'), '2'::jsonb,
          'getDay (local = UTC)');
SELECT is(hotmesh.fn_date_getutcday('"2024-01-02T03:04:05.678Z"'), '2'::jsonb,
          'getUTCDay');
SELECT is(hotmesh.fn_date_getfullyear('"2024-01-02T03:04:05.678Z"'), '2024'::jsonb,
          'getFullYear (local = UTC)');
SELECT is(hotmesh.fn_date_getutcfullyear('"2024-01-02T03:04:05.678Z"'), '2024'::jsonb,
          'getUTCFullYear');
SELECT is(hotmesh.fn_date_gethours('"2024-01-02T03:04:05.678Z"'), '3'::jsonb,
          'getHours (local = UTC)');
SELECT is(hotmesh.fn_date_getutchours('"2024-01-02T03:04:05.678Z"'), '3'::jsonb,
          'getUTCHours');
SELECT is(hotmesh.fn_date_getmilliseconds('"2024-01-02T03:04:05.678Z"'), '678'::jsonb,
          'getMilliseconds (local = UTC)');
SELECT is(hotmesh.fn_date_getutcmilliseconds('"2024-01-02T03:04:05.678Z"'), '678'::jsonb,
          'getUTCMilliseconds');
SELECT is(hotmesh.fn_date_getminutes('"2024-01-02T03:04:05.678Z"'), '4'::jsonb,
          'getMinutes (local = UTC)');
SELECT is(hotmesh.fn_date_getutcminutes('"2024-01-02T03:04:05.678Z"'), '4'::jsonb,
          'getUTCMinutes');
SELECT is(hotmesh.fn_date_getmonth('"2024-01-02T03:04:05.678Z"'), '0'::jsonb,
          'getMonth (local = UTC)');
SELECT is(hotmesh.fn_date_getutcmonth('"2024-01-02T03:04:05.678Z"'), '0'::jsonb,
          'getUTCMonth');
SELECT is(hotmesh.fn_date_getseconds('"2024-01-02T03:04:05.678Z"'), '5'::jsonb,
          'getSeconds (local = UTC)');
SELECT is(hotmesh.fn_date_getutcseconds('"2024-01-02T03:04:05.678Z"'), '5'::jsonb,
          'getUTCSeconds');
SELECT is(hotmesh.fn_date_gettime('"2024-01-02T03:04:05.678Z"'), '1704164645678'::jsonb,
          'getTime');
SELECT is(hotmesh.fn_date_gettimezoneoffset('"2024-01-02T03:04:05.678Z"'), '0'::jsonb,
          'getTimezoneOffset is 0: local time is UTC');
SELECT is(hotmesh.fn_date_gettimezoneoffset('"2024-13-01"'), '"NaN"'::jsonb,
          'getTimezoneOffset of an Invalid Date is NaN');
SELECT is(hotmesh.fn_date_getutcfullyear('-1'), '1969'::jsonb,
          'one ms before the epoch is 1969');
SELECT is(hotmesh.fn_date_getutcmonth('-1'), '11'::jsonb,
          'in December');
SELECT is(hotmesh.fn_date_getutcdate('-1'), '31'::jsonb,
          'on the 31st');
SELECT is(hotmesh.fn_date_getutcday('-1'), '3'::jsonb,
          'a Wednesday');
SELECT is(hotmesh.fn_date_getutchours('-1'), '23'::jsonb,
          'at 23');
SELECT is(hotmesh.fn_date_getutcmilliseconds('-1'), '999'::jsonb,
          'and 999 ms');
SELECT is(hotmesh.fn_date_getfullyear('-62198755200000'), '-1'::jsonb,
          'year -1 (2 BC)');
SELECT is(hotmesh.fn_date_getday('-62198755200000'), '5'::jsonb,
          '-0001-01-01 was a Friday');
SELECT is(hotmesh.fn_date_getmonth('"2000-02-29"'), '1'::jsonb,
          '2000 was a leap year');
SELECT is(hotmesh.fn_date_getdate('"2100-02-29"'), '1'::jsonb,
          '2100 is not: February 29 rolls over to March 1');
SELECT is(hotmesh.fn_date_getfullyear('8640000000000000'), '275760'::jsonb,
          'the last date is in 275760');
SELECT is(hotmesh.fn_date_getdate('-8640000000000000'), '20'::jsonb,
          'the first date is April 20, -271821');
SELECT is(hotmesh.fn_date_getdate('"2024-13-01"'), '"NaN"'::jsonb,
          'getters of an Invalid Date are NaN');
SELECT is(hotmesh.fn_date_getutcday('"2024-13-01"'), '"NaN"'::jsonb,
          'getUTCDay of an Invalid Date is NaN');

-- Setters return the new epoch ms. Months and days overflow into the next unit.
SELECT is(hotmesh.fn_date_setdate('"2024-01-02T03:04:05.678Z"', '31'), '1706670245678'::jsonb,
          'setDate');
SELECT is(hotmesh.fn_date_setdate('"2024-01-02T03:04:05.678Z"', '0'), '1703991845678'::jsonb,
          'setDate(0) is the last day of the previous month');
SELECT is(hotmesh.fn_date_setdate('"2024-01-02T03:04:05.678Z"', 'null'), '1703991845678'::jsonb,
          'setDate(null) is setDate(0)');
SELECT is(hotmesh.fn_date_setdate('"2024-01-02T03:04:05.678Z"', '"15"'), '1705287845678'::jsonb,
          'a numeric string day');
SELECT is(hotmesh.fn_date_setdate('"2024-01-02T03:04:05.678Z"', NULL), '"NaN"'::jsonb,
          'setDate(undefined) is NaN');
SELECT is(hotmesh.fn_date_setdate('"2024-13-01"', '1'), '"NaN"'::jsonb,
          'setting a day of an Invalid Date is NaN');
SELECT is(hotmesh.fn_date_setfullyear('"2024-01-02T03:04:05.678Z"', '2025'), '1735787045678'::jsonb,
          'setFullYear');
SELECT is(hotmesh.fn_date_setfullyear('"2024-01-02T03:04:05.678Z"', '2023', '1', '29'), '1677639845678'::jsonb,
          'setFullYear with month and day (Feb 29, 2023 is March 1)');
SELECT is(hotmesh.fn_date_setfullyear('"2024-13-01"', '2020'), '1577836800000'::jsonb,
          'setFullYear makes an Invalid Date valid, from epoch 0');
SELECT is(hotmesh.fn_date_setfullyear('"2024-01-02T03:04:05.678Z"', '"x"'), '"NaN"'::jsonb,
          'a year that is not a number is NaN');
SELECT is(hotmesh.fn_date_sethours('"2024-01-02T03:04:05.678Z"', '25'), '1704243845678'::jsonb,
          'setHours(25) is 1 AM the next day');
SELECT is(hotmesh.fn_date_sethours('"2024-01-02T03:04:05.678Z"', '-1', '70', '-5', '1500'), '1704154196500'::jsonb,
          'setHours with minutes, seconds and ms out of range');
SELECT is(hotmesh.fn_date_sethours('"2024-01-02T03:04:05.678Z"', '13', NULL, NULL, NULL), '1704200645678'::jsonb,
          'undefined optional parts keep the date''s own');
SELECT is(hotmesh.fn_date_setmilliseconds('"2024-01-02T03:04:05.678Z"', '1000'), '1704164646000'::jsonb,
          'setMilliseconds(1000) carries into the seconds');
SELECT is(hotmesh.fn_date_setmilliseconds('"2024-01-02T03:04:05.678Z"', '1e20'), '"NaN"'::jsonb,
          'beyond the range is NaN');
SELECT is(hotmesh.fn_date_setmilliseconds('"2024-01-02T03:04:05.678Z"', '"x"'), '"NaN"'::jsonb,
          'a string that is not a number is NaN');
SELECT is(hotmesh.fn_date_setminutes('"2024-01-02T03:04:05.678Z"', '59', '59', '999'), '1704167999999'::jsonb,
          'setMinutes with seconds and ms');
SELECT is(hotmesh.fn_date_setminutes('"2024-01-02T03:04:05.678Z"', '60'), '1704168005678'::jsonb,
          'setMinutes(60) is the next hour');
SELECT is(hotmesh.fn_date_setmonth('"2024-01-02T03:04:05.678Z"', '1'), '1706843045678'::jsonb,
          'setMonth (0-based)');
SELECT is(hotmesh.fn_date_setmonth('"2024-01-31T00:00:00.000Z"', '1'), '1709337600000'::jsonb,
          'January 31 to February is March 2');
SELECT is(hotmesh.fn_date_setmonth('"2024-01-02T03:04:05.678Z"', '13', '1'), '1738379045678'::jsonb,
          'month 13 is February of the next year');
SELECT is(hotmesh.fn_date_setmonth('"2024-01-02T03:04:05.678Z"', '-1'), '1701486245678'::jsonb,
          'month -1 is December of the previous year');
SELECT is(hotmesh.fn_date_setseconds('"2024-01-02T03:04:05.678Z"', '30'), '1704164670678'::jsonb,
          'setSeconds');
SELECT is(hotmesh.fn_date_setseconds('"2024-01-02T03:04:05.678Z"', '30', '0'), '1704164670000'::jsonb,
          'setSeconds with ms');
SELECT is(hotmesh.fn_date_settime('"2024-01-02T03:04:05.678Z"', '0'), '0'::jsonb,
          'setTime');
SELECT is(hotmesh.fn_date_settime('"2024-01-02T03:04:05.678Z"', '"5"'), '5'::jsonb,
          'setTime of a numeric string');
SELECT is(hotmesh.fn_date_settime('"2024-01-02T03:04:05.678Z"', '8640000000000001'), '"NaN"'::jsonb,
          'setTime beyond the range is NaN');
SELECT is(hotmesh.fn_date_setutcdate('"2024-01-02T03:04:05.678Z"', '31'), '1706670245678'::jsonb,
          'setUTCDate');
SELECT is(hotmesh.fn_date_setutcdate('"2024-01-02T03:04:05.678Z"', '-1'), '1703905445678'::jsonb,
          'setUTCDate(-1) is two days before the 1st');
SELECT is(hotmesh.fn_date_setutcfullyear('"2024-01-02T03:04:05.678Z"', '2025', '11', '31'), '1767150245678'::jsonb,
          'setUTCFullYear');
SELECT is(hotmesh.fn_date_setutcfullyear('"2024-13-01"', '2020', '5'), '1590969600000'::jsonb,
          'setUTCFullYear of an Invalid Date starts from epoch 0');
SELECT is(hotmesh.fn_date_setutchours('"2024-01-02T03:04:05.678Z"', '23', '59'), '1704239945678'::jsonb,
          'setUTCHours');
SELECT is(hotmesh.fn_date_setutchours('"2024-01-02T03:04:05.678Z"', '24', '0', '0', '0'), '1704240000000'::jsonb,
          'setUTCHours(24, 0, 0, 0) is the next midnight');
SELECT is(hotmesh.fn_date_setutcmilliseconds('"2024-01-02T03:04:05.678Z"', '-1'), '1704164644999'::jsonb,
          'setUTCMilliseconds(-1) borrows a second');
SELECT is(hotmesh.fn_date_setutcminutes('"2024-01-02T03:04:05.678Z"', '0', '0'), '1704164400678'::jsonb,
          'setUTCMinutes');
SELECT is(hotmesh.fn_date_setutcmonth('"2024-01-02T03:04:05.678Z"', '11', '25'), '1735095845678'::jsonb,
          'setUTCMonth with a day');
SELECT is(hotmesh.fn_date_setutcmonth('"2024-01-02T03:04:05.678Z"', '1.9'), '1706843045678'::jsonb,
          'a fractional month is cut');
SELECT is(hotmesh.fn_date_setutcseconds('"2024-01-02T03:04:05.678Z"', '61', '5'), '1704164701005'::jsonb,
          'setUTCSeconds');
SELECT is(hotmesh.fn_date_setutcseconds('"2024-13-01"', '0'), '"NaN"'::jsonb,
          'setUTCSeconds of an Invalid Date is NaN');

-- Formatters: en-US in UTC.
SELECT is(hotmesh.fn_date_todatestring('"2024-01-02T03:04:05.678Z"'), '"Tue Jan 02 2024"'::jsonb,
          'toDateString');
SELECT is(hotmesh.fn_date_todatestring('-62198755200000'), '"Fri Jan 01 -0001"'::jsonb,
          'toDateString of year -1');
SELECT is(hotmesh.fn_date_todatestring('"+012345-01-01T00:00:00.000Z"'), '"Mon Jan 01 12345"'::jsonb,
          'toDateString of a five-digit year');
SELECT is(hotmesh.fn_date_todatestring('"2024-13-01"'), '"Invalid Date"'::jsonb,
          'toDateString of an Invalid Date');
SELECT is(hotmesh.fn_date_toisostring('1704164645678'), '"2024-01-02T03:04:05.678Z"'::jsonb,
          'toISOString of epoch ms');
SELECT is(hotmesh.fn_date_toisostring('-1'), '"1969-12-31T23:59:59.999Z"'::jsonb,
          'toISOString before the epoch');
SELECT is(hotmesh.fn_date_toisostring('8640000000000000'), '"+275760-09-13T00:00:00.000Z"'::jsonb,
          'toISOString of the last date has a six-digit year');
SELECT is(hotmesh.fn_date_toisostring('-62198755200000'), '"-000001-01-01T00:00:00.000Z"'::jsonb,
          'toISOString of year -1');
SELECT is(hotmesh.fn_date_toisostring('"5"'), '"1970-01-01T00:00:00.005Z"'::jsonb,
          'toISOString of a numeric string');
SELECT is(hotmesh.fn_date_toisoxstring('"2024-01-02T03:04:05.678Z"'), '"20240102030405.678"'::jsonb,
          'toISOXString drops - : T Z');
SELECT is(hotmesh.fn_date_tojson('1704164645678'), '"2024-01-02T03:04:05.678Z"'::jsonb,
          'toJSON');
SELECT is(hotmesh.fn_date_tojson('"2024-13-01"'), 'null'::jsonb,
          'toJSON of an Invalid Date is null');
SELECT is(hotmesh.fn_date_tolocaledatestring('"2024-01-02T03:04:05.678Z"'), '"1/2/2024"'::jsonb,
          'toLocaleDateString');
SELECT is(hotmesh.fn_date_tolocaledatestring('"2024-01-02T03:04:05.678Z"', '"de-DE"', '{"dateStyle": "full"}'), '"1/2/2024"'::jsonb,
          'locales and options are ignored');
SELECT is(hotmesh.fn_date_tolocaledatestring('-62198755200000'), '"1/1/2"'::jsonb,
          'year -1 is era year 2');
SELECT is(hotmesh.fn_date_tolocaledatestring('"2024-13-01"'), '"Invalid Date"'::jsonb,
          'toLocaleDateString of an Invalid Date');
SELECT is(hotmesh.fn_date_tolocalestring('"2024-01-02T03:04:05.678Z"'), '"1/2/2024, 3:04:05 AM"'::jsonb,
          'toLocaleString');
SELECT is(hotmesh.fn_date_tolocalestring('"2024-12-31T15:04:05.000Z"'), '"12/31/2024, 3:04:05 PM"'::jsonb,
          'toLocaleString in the afternoon');
SELECT is(hotmesh.fn_date_tolocalestring('"2024-13-01"'), '"Invalid Date"'::jsonb,
          'toLocaleString of an Invalid Date');
SELECT is(hotmesh.fn_date_tolocaletimestring('"2024-01-02T03:04:05.678Z"'), '"3:04:05 AM"'::jsonb,
          'toLocaleTimeString');
SELECT is(hotmesh.fn_date_tolocaletimestring('"2024-01-02T00:04:05.000Z"'), '"12:04:05 AM"'::jsonb,
          '12 AM after midnight');
SELECT is(hotmesh.fn_date_tolocaletimestring('"2024-01-02T12:04:05.000Z"'), '"12:04:05 PM"'::jsonb,
          '12 PM after noon');
SELECT is(hotmesh.fn_date_tolocaletimestring('"2024-01-02T03:04:05.678Z"', '["fr-FR"]'), '"3:04:05 AM"'::jsonb,
          'a locales array is ignored too');
SELECT is(hotmesh.fn_date_tostring('"2024-01-02T03:04:05.678Z"'), '"Tue Jan 02 2024 03:04:05 GMT+0000 (Coordinated Universal Time)"'::jsonb,
          'toString');
SELECT is(hotmesh.fn_date_tostring('"2024-13-01"'), '"Invalid Date"'::jsonb,
          'toString of an Invalid Date');
SELECT is(hotmesh.fn_date_valueof('"2024-01-02T03:04:05.678Z"'), '1704164645678'::jsonb,
          'valueOf');
SELECT is(hotmesh.fn_date_valueof('"2024-13-01"'), '"NaN"'::jsonb,
          'valueOf of an Invalid Date is NaN');

-- UTC(y, m, d?, h?, mi?, s?, ms?).
SELECT is(hotmesh.fn_date_utc('2024', '0', '2', '3', '4', '5', '678'), '1704164645678'::jsonb,
          'UTC with every part');
SELECT is(hotmesh.fn_date_utc('2024'), '1704067200000'::jsonb,
          'UTC of a year alone is January 1');
SELECT is(hotmesh.fn_date_utc('99', '0'), '915148800000'::jsonb,
          'years 0-99 are 1900-1999');
SELECT is(hotmesh.fn_date_utc('-0.5', '0'), '-2208988800000'::jsonb,
          '-0.5 is year 0, hence 1900');
SELECT is(hotmesh.fn_date_utc('100', '0'), '-59011459200000'::jsonb,
          'year 100 is itself');
SELECT is(hotmesh.fn_date_utc('-1', '0'), '-62198755200000'::jsonb,
          'year -1');
SELECT is(hotmesh.fn_date_utc('2024', '13', '35'), '1741305600000'::jsonb,
          'months and days overflow');
SELECT is(hotmesh.fn_date_utc('"2024"', '"1"'), '1706745600000'::jsonb,
          'numeric strings are numbers');
SELECT is(hotmesh.fn_date_utc('2024', NULL, '2'), '1704153600000'::jsonb,
          'an undefined month counts as not given (0)');
SELECT is(hotmesh.fn_date_utc(NULL), '"NaN"'::jsonb,
          'an undefined year is NaN');
SELECT is(hotmesh.fn_date_utc('"x"', '0'), '"NaN"'::jsonb,
          'a year that is not a number is NaN');
SELECT is(hotmesh.fn_date_utc('275760', '8', '13'), '8640000000000000'::jsonb,
          'the last date');
SELECT is(hotmesh.fn_date_utc('275760', '8', '13', '0', '0', '0', '1'), '"NaN"'::jsonb,
          'one ms later is NaN');
SELECT is(hotmesh.fn_date_utc('1000000', '0'), '"NaN"'::jsonb,
          'year 1000000 is NaN');

-- Errors: 22023 with the function's name, where HotMesh (or JavaScript) throws.
SELECT throws_ok($$SELECT hotmesh.fn_date_gettime(NULL)$$, '22023', '@date.getTime: Invalid date format',
                 'undefined is not a date (HotMesh throws)');
SELECT throws_ok($$SELECT hotmesh.fn_date_gettime('null')$$, '22023', '@date.getTime: Invalid date format',
                 'null is not a date');
SELECT throws_ok($$SELECT hotmesh.fn_date_gettime('true')$$, '22023', '@date.getTime: Invalid date format',
                 'a boolean is not a date');
SELECT throws_ok($$SELECT hotmesh.fn_date_gettime('{}')$$, '22023', '@date.getTime: Invalid date format',
                 'an object is not a date');
SELECT throws_ok($$SELECT hotmesh.fn_date_gettime('[]')$$, '22023', '@date.getTime: Invalid date format',
                 'an array is not a date');
SELECT throws_ok($$SELECT hotmesh.fn_date_gettime('""')$$, '22023', '@date.getTime: Invalid date format',
                 'the empty string is not a date');
SELECT throws_ok($$SELECT hotmesh.fn_date_gettime('"abc"')$$, '22023', '@date.getTime: Invalid date format',
                 'a string without digits is not a date');
SELECT throws_ok($$SELECT hotmesh.fn_date_getutcday('false')$$, '22023', '@date.getUTCDay: Invalid date format',
                 'the error names the function');
SELECT throws_ok($$SELECT hotmesh.fn_date_setdate(NULL, '1')$$, '22023', '@date.setDate: Invalid date format',
                 'setters check the date');
SELECT throws_ok($$SELECT hotmesh.fn_date_settime('"abc"', '0')$$, '22023', '@date.setTime: Invalid date format',
                 'setTime checks the date it replaces');
SELECT throws_ok($$SELECT hotmesh.fn_date_tolocalestring('{"a": 1}')$$, '22023', '@date.toLocaleString: Invalid date format',
                 'formatters check the date');
SELECT throws_ok($$SELECT hotmesh.fn_date_toisostring('"2024-13-01"')$$, '22023', '@date.toISOString: Invalid time value',
                 'toISOString of an Invalid Date throws (RangeError)');
SELECT throws_ok($$SELECT hotmesh.fn_date_toisostring('"NaN"')$$, '22023', '@date.toISOString: Invalid time value',
                 'toISOString of NaN throws');
SELECT throws_ok($$SELECT hotmesh.fn_date_toisostring(NULL)$$, '22023', '@date.toISOString: Invalid date format',
                 'toISOString of undefined throws');
SELECT throws_ok($$SELECT hotmesh.fn_date_toisoxstring('"2024-13-01"')$$, '22023', '@date.toISOXString: Invalid time value',
                 'toISOXString of an Invalid Date throws');

SELECT * FROM finish();
ROLLBACK;
