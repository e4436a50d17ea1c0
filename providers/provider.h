#pragma once
// A provider implements one kind. Four duties; only apply has side effects.
//
//   references  the resources this one refers to (the graph's edges)
//   validate    checks beyond the schema (key/signing families, SAN syntax)
//   diff        pure: desired vs recorded under a clock -> an action + reasons
//   apply       carries the action out, returns the new recorded entry
//   observe     reads the world for drift (files on disk, expiry, sealed
//               objects) and reports what moved; no side effects
//
// Providers are stateless and shared between worker threads: apply may run
// concurrently for different addresses.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "providers/action.h"
#include "reconciler/config/resource.h"
#include "state/keyring.h"
#include "state/state.h"
#include "util/time.h"

namespace keyform {

class FileSystem;

// A reference from a field to another resource.
struct Reference {
  std::string field;    // JSON pointer into the document, e.g. "/spec/issuer"
  std::string address;  // "CertificateAuthority/root"
};

// Collects validation errors against a field (JSON pointer into the
// document, e.g. "/spec/dnsNames/2"); the loader turns it into file:line:col.
using DiagnosticSink = std::function<void(const std::string& field, const std::string& message)>;
// The same for checks across resources: the resource's index in
// Config::resources, then field and message.
using ConfigDiagnosticSink =
    std::function<void(size_t resource, const std::string& field, const std::string& message)>;

struct DiffInput {
  const Resource& desired;
  const RecordedResource* recorded = nullptr;  // null: not in state yet
  // Fields whose digest changed since the last apply: "spec.dnsNames",
  // "description", "tags", ... Empty when recorded is null.
  std::vector<std::string> changed_fields;
  UnixTime now = 0;
  bool replace_requested = false;  // --replace ADDR
  // The actions planned so far; every dependency is planned before its
  // dependents, so a provider can see whether its inputs change.
  std::function<const Action*(const std::string& address)> planned;
  const State& state;
  const Config& config;
};

struct Change {
  ActionType type = ActionType::kNoOp;
  std::vector<std::string> reasons;
  // Set with type kNoOp: the change cannot be planned yet (Action::waiting).
  bool waiting = false;
  // Set with an action that leaves its outputs missing (Action::pending_outputs).
  bool pending_outputs = false;
  // Why, for the dependents that wait.
  std::string pending_reason = {};
};

struct ApplyContext {
  const Action& action;
  const Resource* desired = nullptr;           // null for delete
  const RecordedResource* recorded = nullptr;  // null for create
  // The recorded entries of every transitive dependency, as this run left
  // them when the action started (dependencies always finish first). They
  // are snapshots: the owning thread never changes them while this runs,
  // even when it records a later action on the same address (a CA's revoke).
  std::map<std::string, RecordedEntries::Snapshot> deps;
  const Config& config;
  UnixTime now = 0;
  Keyring& keyring;
  FileSystem& files;
  // Makes one step of a multi-step action (a Secret's rotation) durable
  // before the next starts: the entry as it stands after the step is
  // journalled for this address, so an apply killed later resumes from it.
  // Blocks until durable; throws if the run is stopping. Unset (tests, dry
  // runs): the steps run without intermediate records.
  std::function<void(const RecordedResource&)> record_progress = nullptr;
  // The object holding the project's seal private key (State::seal_key_object),
  // "" when there is none: only apply opens `sealed:` values.
  std::string seal_key_object = {};
};

// What observe() found: the worst status of its checks, and one detail per
// check that did not pass (never secret material: a file's path, not its
// contents).
struct Observation {
  enum Status { kInSync, kModified, kDeleted, kNotChecked };
  Status status = kInSync;
  std::vector<std::string> details;

  // Records a finding; the status becomes the worse of the two (DELETED >
  // MODIFIED > NOT_CHECKED > IN_SYNC).
  void note(Status s, std::string detail);
  bool drifted() const { return status == kModified || status == kDeleted; }
};

// "IN_SYNC", "MODIFIED", "DELETED", "NOT_CHECKED".
std::string_view observation_status_name(Observation::Status s);

struct ObserveContext {
  const Config& config;
  const State& state;
  UnixTime now = 0;
  // Null when no root key is available: checks that need one are reported
  // NOT_CHECKED with a detail instead.
  Keyring* keyring = nullptr;
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string_view kind() const = 0;
  virtual std::vector<Reference> references(const Resource& r, const Project& p) const = 0;
  virtual void validate(const Resource& r, const Config& c, const DiagnosticSink& error) const;
  // Checks across every resource of this kind (two targets writing one
  // file, say); called once per load, after validate.
  virtual void validate_all(const Config& c, const ConfigDiagnosticSink& error) const;
  // JSON pointers whose source positions the provider needs after loading,
  // to name file:line in what it explains later (a policy's statements);
  // the loader records them in Resource::marks. Default: none.
  virtual std::vector<std::string> located_fields(const Resource& r) const;
  virtual Change diff(const DiffInput& in) const = 0;
  // What becomes of a recorded entry that is no longer in the config. The
  // default: kDelete now, "not in the configuration". A kind with a window
  // (a Secret's recoveryWindow, a KmsKey's deletionWindow) returns kDelete
  // whose apply returns the entry marked as pending deletion (the executor
  // records it instead of removing it), kNoOp while the window runs, and
  // kDelete again once it has passed (apply returns {}: purged).
  virtual Change diff_removed(const RecordedResource& recorded, UnixTime now) const;
  // Carries out ctx.action. For kDelete the executor drops the address and
  // its objects once the removal is durable, unless the returned entry is
  // marked pending deletion (deletion_window.h): that entry is recorded.
  // Throws keyform::Error on failure. Must be safe to retry with the same
  // action id after a crash.
  virtual RecordedResource apply(ApplyContext& ctx) const = 0;
  // Reads the world for drift of a recorded entry. No side effects; may run
  // concurrently for different addresses. The default: NOT_CHECKED.
  virtual Observation observe(const RecordedResource& recorded, ObserveContext& ctx) const;
};

// Every kind keyform knows, by kind name.
class ProviderRegistry {
 public:
  void add(std::unique_ptr<Provider> p);
  const Provider* find(std::string_view kind) const;
  std::vector<std::string> kinds() const;

 private:
  std::map<std::string, std::unique_ptr<Provider>, std::less<>> providers_;
};

// The registry with every built-in provider.
const ProviderRegistry& builtin_providers();

// Starts a recorded entry from the desired resource: kind, name, digests,
// deletion protection, dependencies. Providers fill in attributes/objects.
RecordedResource record_from(const Resource& desired, std::vector<std::string> dependencies);

// The canonical digests of a resource: one for the whole and one per field.
void digest_resource(const Resource& r, std::string* whole,
                     std::map<std::string, std::string>* fields);

// The id of a recorded object ("privateKey"); throws a clear error when the
// entry has none.
const std::string& object_id(const RecordedResource& r, const std::string& role);

// The KmsKey a recorded entry's objects are sealed under ("" for the root
// key), as its dependencies say. An action that keeps the objects (update,
// a renewal that keeps the key) keeps this dependency whatever the spec now
// names, so the plan never lets that KmsKey go while they need it.
std::string sealing_kms(const RecordedResource& r);
// Makes `kms` the entry's only KmsKey dependency ("" for none).
void set_sealing_kms(RecordedResource& r, const std::string& kms);

// The authenticated context a certificate's or CA's private key is sealed
// under: its address and the SHA-256 of its certificate's public key
// ("Certificate/web#privateKey@9f2c..."). A key object that opens under it
// is the key of that certificate, without parsing the key to compare.
std::string private_key_context(const std::string& address, const std::string& public_key_sha256);
// The same for a recorded entry (its public_key_sha256 attribute).
std::string private_key_context(const RecordedResource& r);

// "kmsKey: main" or project defaults.kmsKey -> "KmsKey/main"; "" when none.
std::string kms_key_address(const Resource& r, const Project& p);
// The KeyRef for the KmsKey's current version, from its recorded entry in
// ctx.deps; the root key when address is "". Throws if not recorded.
KeyRef current_key(const ApplyContext& ctx, const std::string& kms_address);

}  // namespace keyform
