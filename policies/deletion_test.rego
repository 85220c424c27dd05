# Unit tests for the built-in deletion policy. The cases live in
# testdata/cases.json, which the Node golden test (test/policy/golden.test.ts)
# runs against the compiled policy.wasm too, so the two cannot drift.
package snapgate.deletion_test

import data.snapgate.deletion

# Each case gives a full `input`, or a `patch` deep-merged over `baseInput`.
case_input(c) := c.input

case_input(c) := object.union(data.testdata.baseInput, c.patch) if not c.input

# data.json's thresholds with the case's `data` merged over them, as snapgate does.
# maxDeletions and minSnapshotsPerDisk are not shipped (spec.guards is their source):
# null stands for "not set", as the policy treats it.
shipped := {
	"minAgeDays": data.minAgeDays,
	"largeSnapshotGb": data.largeSnapshotGb,
	"protectTags": data.protectTags,
}

case_setting(c, key) := object.get(object.get(c, "data", {}), key, object.get(shipped, key, null))

case_result(c, rule) := result if {
	result := deletion[rule] with input as case_input(c)
		with data.minAgeDays as case_setting(c, "minAgeDays")
		with data.minSnapshotsPerDisk as case_setting(c, "minSnapshotsPerDisk")
		with data.maxDeletions as case_setting(c, "maxDeletions")
		with data.largeSnapshotGb as case_setting(c, "largeSnapshotGb")
		with data.protectTags as case_setting(c, "protectTags")
}

case_passes(c) if {
	case_result(c, "deny") == {m | some m in c.deny}
	case_result(c, "warn") == {m | some m in c.warn}
	case_result(c, "hold") == {m | some m in object.get(c, "hold", [])}
}

# All shared cases. (Parametrised `test_x[name]` tests need the internal.test_case
# built-in, which the wasm capabilities rightly leave out.) On failure, run
# `opa test --var-values` to see which cases failed.
test_shared_cases if {
	failing := {c.name | some c in data.testdata.cases; not case_passes(c)}
	failing == set()
}

test_there_are_cases if count(data.testdata.cases) >= 30

# The thresholds shipped in data.json.
test_shipped_thresholds if {
	data.minAgeDays == 7
	data.largeSnapshotGb == 512
	"legal-hold" in data.protectTags
}

# The limits the guards share are not shipped: spec.guards (input.guards) is their one source.
test_guard_limits_not_shipped if {
	not data.maxDeletions
	not data.minSnapshotsPerDisk
}

# The entrypoint object holds only deny, warn and hold (helpers live in snapgate.lib).
test_entrypoint_holds_only_deny_warn_and_hold if {
	object.keys(deletion) == {"deny", "warn", "hold"} with input as data.testdata.baseInput
}
