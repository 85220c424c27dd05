# The built-in deletion policy of snapgate. Evaluated once per
# deletion candidate; any `deny` message blocks that deletion, `warn` messages
# are reported in the plan. Thresholds live in data.json and are overridden by
# spec.policy.data, except the limits the guards share (input.guards, from
# spec.guards), which data may only tighten. `hold` lists the denials that
# are safety floors: the snapshot is kept on purpose, not failing. A message
# that starts with "plan:" is about the whole plan and is reported once.
# Time is passed in input (ageDays); never call time.*.
package snapgate.deletion

import data.snapgate.lib

deny contains sprintf("%s: policy data error: %s", [lib.snapshot_id, problem]) if {
	some problem in lib.data_errors
}

deny contains sprintf("%s: policy input error: %s", [lib.snapshot_id, problem]) if {
	some problem in lib.input_errors
}

deny contains msg if {
	input.snapshot.state != "completed"
	msg := sprintf("%s: state is %s; only completed snapshots may be deleted", [lib.snapshot_id, input.snapshot.state])
}

deny contains msg if {
	input.snapshot.ageDays < data.minAgeDays
	msg := sprintf("%s: %v days old, younger than minAgeDays (%v)", [lib.snapshot_id, input.snapshot.ageDays, data.minAgeDays])
}

# Safety floors: denied, and held.
deny contains msg if some msg in hold

hold contains msg if {
	input.siblings.remainingAfterPlan < lib.min_snapshots_per_disk
	msg := sprintf(
		"%s: would leave %s with %v completed snapshots, fewer than %s",
		[lib.snapshot_id, lib.source_label, input.siblings.remainingAfterPlan, lib.min_snapshots_source],
	)
}

hold contains msg if {
	input.disk == null
	lib.last_copy
	msg := sprintf("%s: last remaining copy of %s", [lib.snapshot_id, lib.last_copy_of])
}

deny contains msg if {
	some spec in lib.protect_hits
	msg := sprintf("%s: carries protect tag %s", [lib.snapshot_id, spec])
}

deny contains msg if {
	input.plan.deletions > lib.max_deletions
	msg := sprintf("plan: the plan deletes %v snapshots, more than %s", [input.plan.deletions, lib.max_deletions_source])
}

warn contains msg if {
	is_number(input.snapshot.sizeInGb) # a string would compare greater than any number
	input.snapshot.sizeInGb >= data.largeSnapshotGb
	msg := sprintf("%s: large snapshot (%v GB, largeSnapshotGb is %v)", [lib.snapshot_id, input.snapshot.sizeInGb, data.largeSnapshotGb])
}

warn contains msg if {
	input.snapshot.isFromAutoSnapshot == true
	msg := sprintf("%s: created by Lightsail automatic snapshots", [lib.snapshot_id])
}
