sed -i 's/validity: 90d/validity: 99999999999999999999d/' certificates.yaml
