sed -i 's/validity: 90d/validity: 0d/' certificates.yaml
