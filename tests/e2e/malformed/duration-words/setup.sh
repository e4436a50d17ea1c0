sed -i 's/validity: 90d/validity: ninety-days/' certificates.yaml
