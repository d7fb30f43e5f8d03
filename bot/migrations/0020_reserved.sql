-- Reserved for the regions work (issue 22), which owns migration 0020. This placeholder only
-- keeps the numbers without a gap on the safetyplan branch: drop it when 0020 lands.
SELECT 1;
