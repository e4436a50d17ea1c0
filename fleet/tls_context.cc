#include "fleet/tls_context.h"

#include "util/error.h"

namespace keyform::fleet {

void require_tls12(ssl::context& ctx) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1)
    throw Error("cannot require TLS 1.2");
}

}  // namespace keyform::fleet
