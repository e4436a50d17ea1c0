#include "fleet/tls_context.h"

#include "util/error.h"

namespace keyform::fleet {

void require_tls12(ssl::context& ctx) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1)
    throw Error("cannot require TLS 1.2");
}

void pass_client_certificates_out_of_validity(ssl::context& ctx) {
  ctx.set_verify_callback([](bool preverified, ssl::verify_context& v) {
    if (preverified) return true;
    X509_STORE_CTX* store = v.native_handle();
    const int error = X509_STORE_CTX_get_error(store);
    // Depth 0 is the client's own certificate, never its CA's.
    return X509_STORE_CTX_get_error_depth(store) == 0 &&
           (error == X509_V_ERR_CERT_HAS_EXPIRED || error == X509_V_ERR_CERT_NOT_YET_VALID);
  });
}

}  // namespace keyform::fleet
