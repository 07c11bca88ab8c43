-- Display names are cleaned when a member is first seen (issue 15, item 10: no U+202E nor NUL
-- echoed in public posts); names stored before that are cleaned here the same way for the characters
-- that matter: bidi overrides and isolates, direction marks, zero-width space, BOM, C0 controls, DEL
-- (not NUL: SQLite's text functions stop at it; such a name is cleaned when its member joins again).
UPDATE member SET handle = replace(replace(replace(replace(replace(replace(replace(replace(handle, char(8234), ''), char(8235), ''), char(8236), ''), char(8237), ''), char(8238), ''), char(8294), ''), char(8295), ''), char(8296), '')
WHERE erased = 0 AND (instr(handle, char(8234)) > 0 OR instr(handle, char(8235)) > 0 OR instr(handle, char(8236)) > 0 OR instr(handle, char(8237)) > 0 OR instr(handle, char(8238)) > 0 OR instr(handle, char(8294)) > 0 OR instr(handle, char(8295)) > 0 OR instr(handle, char(8296)) > 0);
UPDATE member SET handle = replace(replace(replace(replace(replace(replace(replace(replace(handle, char(8297), ''), char(8206), ''), char(8207), ''), char(1564), ''), char(8203), ''), char(65279), ''), char(1), ''), char(2), '')
WHERE erased = 0 AND (instr(handle, char(8297)) > 0 OR instr(handle, char(8206)) > 0 OR instr(handle, char(8207)) > 0 OR instr(handle, char(1564)) > 0 OR instr(handle, char(8203)) > 0 OR instr(handle, char(65279)) > 0 OR instr(handle, char(1)) > 0 OR instr(handle, char(2)) > 0);
UPDATE member SET handle = replace(replace(replace(replace(replace(replace(replace(replace(handle, char(3), ''), char(4), ''), char(5), ''), char(6), ''), char(7), ''), char(8), ''), char(9), ''), char(10), '')
WHERE erased = 0 AND (instr(handle, char(3)) > 0 OR instr(handle, char(4)) > 0 OR instr(handle, char(5)) > 0 OR instr(handle, char(6)) > 0 OR instr(handle, char(7)) > 0 OR instr(handle, char(8)) > 0 OR instr(handle, char(9)) > 0 OR instr(handle, char(10)) > 0);
UPDATE member SET handle = replace(replace(replace(replace(replace(replace(replace(replace(handle, char(11), ''), char(12), ''), char(13), ''), char(14), ''), char(15), ''), char(16), ''), char(17), ''), char(18), '')
WHERE erased = 0 AND (instr(handle, char(11)) > 0 OR instr(handle, char(12)) > 0 OR instr(handle, char(13)) > 0 OR instr(handle, char(14)) > 0 OR instr(handle, char(15)) > 0 OR instr(handle, char(16)) > 0 OR instr(handle, char(17)) > 0 OR instr(handle, char(18)) > 0);
UPDATE member SET handle = replace(replace(replace(replace(replace(replace(replace(replace(handle, char(19), ''), char(20), ''), char(21), ''), char(22), ''), char(23), ''), char(24), ''), char(25), ''), char(26), '')
WHERE erased = 0 AND (instr(handle, char(19)) > 0 OR instr(handle, char(20)) > 0 OR instr(handle, char(21)) > 0 OR instr(handle, char(22)) > 0 OR instr(handle, char(23)) > 0 OR instr(handle, char(24)) > 0 OR instr(handle, char(25)) > 0 OR instr(handle, char(26)) > 0);
UPDATE member SET handle = replace(replace(replace(replace(replace(replace(handle, char(27), ''), char(28), ''), char(29), ''), char(30), ''), char(31), ''), char(127), '')
WHERE erased = 0 AND (instr(handle, char(27)) > 0 OR instr(handle, char(28)) > 0 OR instr(handle, char(29)) > 0 OR instr(handle, char(30)) > 0 OR instr(handle, char(31)) > 0 OR instr(handle, char(127)) > 0);
UPDATE member SET handle = platform_id WHERE erased = 0 AND trim(handle) = '';
