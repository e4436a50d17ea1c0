// keyform ca csr ADDR | ca install ADDR --certificate F [--chain F]: the
// flow for a CA whose parent is outside keyform (parent: {external: true}).
// apply creates its key and CSR and leaves it PENDING_CERTIFICATE; `ca csr`
// prints the CSR; `ca install` checks the signed certificate and activates
// the CA, after which apply issues what waited for it.
#include <iostream>

#include "providers/pki/ca_install.h"
#include "reconciler/cli/commands.h"
#include "state/state_writer.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform::cli {

namespace {

struct InstallOptions {
  std::string address;
  std::string certificate;
  std::string chain;
};

const RecordedResource& recorded_ca(const State& state, const std::string& address) {
  const RecordedResource* r = state.find(address);
  if (!r)
    throw Error(address + " is not in the state: keyform apply creates its key and CSR first");
  return *r;
}

int run_csr(const GlobalOptions& global, const std::string& address) {
  Workspace ws(global);
  auto loaded = ws.load_state(LockMode::kShared, "ca csr");
  const RecordedResource& ca = recorded_ca(loaded.state(), address);
  std::string csr = ca.attributes.value("csr_pem", "");
  if (csr.empty())
    throw Error(address +
                " has no CSR: only a CertificateAuthority with parent: "
                "{external: true} has one");
  std::cout << csr;
  return kExitOk;
}

int run_install(const GlobalOptions& global, const InstallOptions& opts) {
  Workspace ws(global);
  // Relative to the current directory, like any command-line file.
  std::string cert = read_file(opts.certificate);
  std::string chain = opts.chain.empty() ? std::string() : read_file(opts.chain);
  auto loaded = ws.load_state(LockMode::kExclusive, "ca install");
  const RecordedResource& ca = recorded_ca(loaded.state(), opts.address);
  RecordedResource entry = pki::install_ca_certificate(ca, cert, chain, ws.now());
  JournalRecord r;
  r.type = JournalRecord::Type::kDone;
  r.address = opts.address;
  r.action_id = "ca-install";
  r.time = ws.now();
  r.entry = entry;
  StateWriter(ws.backend(), loaded.state()).log_and_apply(std::move(r));
  std::cout << "Installed the certificate of " << opts.address << " ("
            << entry.attributes.value("subject", "") << ", serial "
            << entry.attributes.value("serial", "") << ", not after "
            << entry.attributes.value("not_after", "") << "); it is ACTIVE.\n"
            << "Run keyform apply to issue what waited for it.\n";
  return kExitOk;
}

}  // namespace

void register_ca(CLI::App& app, const GlobalOptions& global, Runner* run) {
  CLI::App* ca = app.add_subcommand("ca", "A CA signed outside keyform: csr, install");
  ca->require_subcommand(1);

  auto csr_address = std::make_shared<std::string>();
  CLI::App* csr = ca->add_subcommand("csr", "Print the CSR of a CA with parent: {external: true}");
  csr->add_option("address", *csr_address, "CertificateAuthority/NAME")->required();
  csr->callback([&global, run, csr_address] {
    *run = [&global, csr_address] { return run_csr(global, *csr_address); };
  });

  auto opts = std::make_shared<InstallOptions>();
  CLI::App* install =
      ca->add_subcommand("install", "Activate a pending CA with the certificate its parent signed");
  install->add_option("address", opts->address, "CertificateAuthority/NAME")->required();
  install->add_option("--certificate", opts->certificate, "PEM file: the signed CA certificate")
      ->required();
  install->add_option("--chain", opts->chain, "PEM file: the certificates above it, parent first");
  install->callback(
      [&global, run, opts] { *run = [&global, opts] { return run_install(global, *opts); }; });
}

}  // namespace keyform::cli
