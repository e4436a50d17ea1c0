#include "providers/deletion_window.h"

namespace keyform {

void record_deletion_window(RecordedResource& rec, Seconds window) {
  rec.attributes["deletion_window_seconds"] = window;
}

bool pending_deletion(const RecordedResource& r) { return r.attributes.contains("deleted_unix"); }

namespace {
UnixTime purge_time(const RecordedResource& r) {
  return r.attributes.value("deleted_unix", UnixTime{0}) +
         r.attributes.value("deletion_window_seconds", Seconds{0});
}
}  // namespace

Change windowed_removal(const RecordedResource& r, UnixTime now, const std::string& field) {
  const Seconds window = r.attributes.value("deletion_window_seconds", Seconds{0});
  if (!pending_deletion(r)) {
    if (window <= 0) return {ActionType::kDelete, {"not in the configuration"}};
    return {ActionType::kDelete,
            {"not in the configuration: pending deletion until " + format_rfc3339(now + window) +
             " (" + field + " " + format_duration(window) +
             "); put it back in the configuration to restore it"}};
  }
  if (now < purge_time(r)) return {};
  return {ActionType::kDelete,
          {"its " + field + " ended at " + format_rfc3339(purge_time(r)) + ": purged"}};
}

RecordedResource windowed_delete(const ApplyContext& ctx) {
  if (!ctx.recorded || ctx.recorded->attributes.value("deletion_window_seconds", Seconds{0}) <= 0)
    return {};
  if (pending_deletion(*ctx.recorded))
    return ctx.now >= purge_time(*ctx.recorded) ? RecordedResource{} : *ctx.recorded;
  RecordedResource rec = *ctx.recorded;
  rec.attributes["deleted"] = format_rfc3339(ctx.now);
  rec.attributes["deleted_unix"] = ctx.now;
  rec.attributes["purge_after"] = format_rfc3339(purge_time(rec));
  return rec;
}

void cancel_deletion(RecordedResource& rec) {
  for (const char* k : {"deleted", "deleted_unix", "purge_after"}) rec.attributes.erase(k);
}

}  // namespace keyform
