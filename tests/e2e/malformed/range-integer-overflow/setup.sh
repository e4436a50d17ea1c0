sed -i 's/renewBeforePercentage: 25/renewBeforePercentage: 99999999999999999999999/' certificates.yaml
