#pragma once
// Deletion that waits out a window (a Secret's recoveryWindow, a KmsKey's
// deletionWindow). Removing the resource from the config first marks its
// entry pending deletion (attributes deleted, deleted_unix, purge_after);
// while the window runs the entry stays, unusable, and putting the resource
// back restores it; once the window has passed, apply purges it.
//
// The window is recorded at every apply as attributes.deletion_window_seconds,
// since the config no longer says it when the resource is gone.
#include <string>

#include "providers/provider.h"

namespace keyform {

// Records `window` (seconds) on the entry for a later deletion.
void record_deletion_window(RecordedResource& rec, Seconds window);

bool pending_deletion(const RecordedResource& r);

// Provider::diff_removed for a kind with a window. `field` names it in the
// reasons ("recoveryWindow").
Change windowed_removal(const RecordedResource& r, UnixTime now, const std::string& field);

// Provider::apply for kDelete: the entry marked pending deletion, or {}
// (purge) once the window has passed.
RecordedResource windowed_delete(const ApplyContext& ctx);

// For an entry back in the config: clears the pending-deletion marks.
void cancel_deletion(RecordedResource& rec);

}  // namespace keyform
