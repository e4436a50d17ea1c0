#pragma once
// The postgres backend's change feed: LISTEN keyform_state on a connection
// of its own. Every journal append and checkpoint NOTIFYs that channel with
// the new serial when it commits (postgres_backend.cc), so a serve process
// learns of another's writes, or an apply's, within a round trip.
#include <memory>
#include <string>

#include "state/change_feed.h"

namespace keyform {

// Connects lazily: the first wait() (and a wait() after the connection
// broke) connects and LISTENs, and says true, since notifications may have
// been missed meanwhile.
std::unique_ptr<StateChangeFeed> make_pg_change_feed(const std::string& dsn,
                                                     const std::string& source);

}  // namespace keyform
