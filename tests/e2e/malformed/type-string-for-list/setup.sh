sed -i 's/^  dnsNames: .*/  dnsNames: web.internal.example/' certificates.yaml
