sed -i 's/renewBeforePercentage: 25/renewBeforePercentage: 25.5/' certificates.yaml
