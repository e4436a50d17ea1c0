sed -i 's/renewBeforePercentage: 25/renewBeforePercentage: 150/' certificates.yaml
