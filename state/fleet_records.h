#pragma once
// Entries the fleet (keyform serve, keyform agent; docs/fleet.md) records in
// the state beside the resources. They are not resources of the config: plan
// never deletes them and drift does not observe them. Public data only, like
// every entry: a join token is kept as its SHA-256, never as itself.
//
//   FleetJoinToken/<id>    a one-time join token: its hash, principal, host, expiry, use
//   FleetAgent/<host>      an enrolled agent: principal, certificate serial, revocation
//   FleetInventory/<name>  per host, what the agents last deployed of DeploymentTarget/<name>
//   FleetCertificate/<name> per host, the certificate serve issued for the host's own key
//                           (privateKey.generatedOn: host) to deploy DeploymentTarget/<name>
#include <string_view>

namespace keyform {

inline constexpr std::string_view kFleetJoinToken = "FleetJoinToken";
inline constexpr std::string_view kFleetAgent = "FleetAgent";
inline constexpr std::string_view kFleetInventory = "FleetInventory";
inline constexpr std::string_view kFleetCertificate = "FleetCertificate";

inline bool is_fleet_record(std::string_view kind) {
  return kind == kFleetJoinToken || kind == kFleetAgent || kind == kFleetInventory ||
         kind == kFleetCertificate;
}

}  // namespace keyform
