# Helpers for the built-in deletion policy. Kept out of package snapgate.deletion so the
# entrypoint's result holds only `deny` and `warn`.
package snapgate.lib

# "region/name" of the snapshot under evaluation, used in every message.
snapshot_id := sprintf("%s/%s", [
	object.get(object.get(input, "snapshot", {}), "region", "?"),
	object.get(object.get(input, "snapshot", {}), "name", "?"),
])

# The snapshot's source, {"kind": "disk" | "instance", "name": …}: the input's `source`,
# else Lightsail's fromDiskName / fromInstanceName (a disk wins when both are named).
default source := null

source := input.source if {
	is_object(input.source)
} else := {"kind": "disk", "name": input.snapshot.fromDiskName} if {
	is_string(input.snapshot.fromDiskName)
} else := {"kind": "instance", "name": input.snapshot.fromInstanceName} if {
	is_string(input.snapshot.fromInstanceName)
}

# The source for messages: "disk web-data" or "instance app-1", never "disk" for an instance.
default source_label := "an unknown source"

source_label := sprintf("%s %s", [source.kind, source.name]) if source.kind in {"disk", "instance"}

# What the last copy would be lost of. Snapgate lists no instances, so an instance's
# snapshots always come with `disk: null` and the message does not call the instance deleted.
default last_copy_of := "a deleted, unknown source"

last_copy_of := sprintf("deleted disk %s", [source.name]) if source.kind == "disk"

last_copy_of := sprintf("the system disk of instance %s", [source.name]) if source.kind == "instance"

# ── configuration (data.json merged with spec.policy.data) ──────────────────
# A missing or mistyped threshold would silently disable its rule, so it is an
# error that denies instead (fail closed). Note `not is_number(data.x)` would NOT
# fire for a missing key (the call is undefined, not false), hence the defaults.

default min_age_days := null

min_age_days := data.minAgeDays

default large_snapshot_gb := null

large_snapshot_gb := data.largeSnapshotGb

default protect_tags := null

protect_tags := data.protectTags

data_errors contains "minAgeDays must be a number" if not is_number(min_age_days)

data_errors contains "largeSnapshotGb must be a number" if not is_number(large_snapshot_gb)

data_errors contains "protectTags must be a list of strings" if not valid_protect_tags

valid_protect_tags if {
	is_array(protect_tags)
	every spec in protect_tags {
		is_string(spec)
	}
}

# ── limits shared with the guards (input.guards = spec.guards) ──────────────
# spec.guards in snapgate.yaml is the one source of maxDeletions and
# minSnapshotsPerDisk. spec.policy.data may set either only to tighten it (a
# lower maxDeletions, a higher minSnapshotsPerDisk); a looser value is ignored.
# Each message names where the limit it enforces came from.

default data_max_deletions := null

data_max_deletions := data.maxDeletions

default data_min_snapshots_per_disk := null

data_min_snapshots_per_disk := data.minSnapshotsPerDisk

data_errors contains "maxDeletions must be a number" if {
	data_max_deletions != null
	not is_number(data_max_deletions)
}

data_errors contains "minSnapshotsPerDisk must be a number" if {
	data_min_snapshots_per_disk != null
	not is_number(data_min_snapshots_per_disk)
}

max_deletions_tightened if {
	is_number(data_max_deletions) # null or a string compares as less or greater than any number
	data_max_deletions < input.guards.maxDeletions
}

max_deletions := data_max_deletions if max_deletions_tightened

else := input.guards.maxDeletions

max_deletions_source := sprintf(
	"spec.policy.data.maxDeletions (%v, tighter than spec.guards.maxDeletions %v)",
	[data_max_deletions, input.guards.maxDeletions],
) if max_deletions_tightened

else := sprintf("spec.guards.maxDeletions (%v)", [input.guards.maxDeletions])

min_snapshots_tightened if {
	is_number(data_min_snapshots_per_disk)
	data_min_snapshots_per_disk > input.guards.minSnapshotsPerDisk
}

min_snapshots_per_disk := data_min_snapshots_per_disk if min_snapshots_tightened

else := input.guards.minSnapshotsPerDisk

min_snapshots_source := sprintf(
	"spec.policy.data.minSnapshotsPerDisk (%v, tighter than spec.guards.minSnapshotsPerDisk %v)",
	[data_min_snapshots_per_disk, input.guards.minSnapshotsPerDisk],
) if min_snapshots_tightened

else := sprintf("spec.guards.minSnapshotsPerDisk (%v)", [input.guards.minSnapshotsPerDisk])

# ── input (the PolicyInput of src/core/model.ts) ─────────────────────────────
# The fields the rules read, with their JSON type. A missing or mistyped field
# would silently skip a rule, so it denies instead.

# Paths as arrays, not dotted strings split per evaluation: this runs for every candidate.
required_input := {
	["snapshot", "name"]: "string",
	["snapshot", "region"]: "string",
	["snapshot", "state"]: "string",
	["snapshot", "ageDays"]: "number",
	["snapshot", "sizeInGb"]: "number",
	["snapshot", "isFromAutoSnapshot"]: "boolean",
	["snapshot", "tags"]: "object",
	["siblings", "remainingAfterPlan"]: "number",
	["plan", "deletions"]: "number",
	["guards", "maxDeletions"]: "number",
	["guards", "minSnapshotsPerDisk"]: "number",
}

input_errors contains sprintf("%s must have type %s, got %s", [concat(".", path), want, got]) if {
	some path, want in required_input
	got := type_name(object.get(input, path, null))
	got != want
}

input_errors contains sprintf("disk must have type null or object, got %s", [disk_type]) if {
	not disk_type in {"null", "object"}
}

default disk_type := "missing"

disk_type := type_name(input.disk)

# ── protect tags ─────────────────────────────────────────────────────────
# Each entry of data.protectTags is either "key" (the tag is present, any value)
# or "key=value" (the tag has exactly that value; split at the first "=").
# Keys compare case-insensitively, as IAM compares aws:ResourceTag keys, so
# "Legal-Hold" is protected by "legal-hold"; values compare exactly.

protect_hits contains spec if {
	some spec in data.protectTags
	not contains(spec, "=")
	some key, _ in input.snapshot.tags
	lower(key) == lower(spec)
}

protect_hits contains spec if {
	some spec in data.protectTags
	i := indexof(spec, "=")
	i >= 0
	some key, value in input.snapshot.tags
	lower(key) == lower(substring(spec, 0, i))
	value == substring(spec, i + 1, -1)
}

# ── last copy of a deleted disk ────────────────────────────────────────────

last_copy if input.siblings.remainingAfterPlan == 0

last_copy if input.snapshot.name == input.siblings.newest
