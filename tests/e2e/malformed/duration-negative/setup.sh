sed -i 's/validity: 90d/validity: -5d/' certificates.yaml
