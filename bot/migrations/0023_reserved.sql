-- Reserved for issue 21's DM work (a parallel branch): the migration loader refuses a gap, so
-- this placeholder keeps 0024 in sequence. The DM branch replaces this file with its own 0023.
SELECT 1;
