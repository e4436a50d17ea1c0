sed -i 's/^  dnsNames:/  dnsName:/' certificates.yaml
