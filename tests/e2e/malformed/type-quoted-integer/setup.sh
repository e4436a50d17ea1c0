sed -i 's/renewBeforePercentage: 25/renewBeforePercentage: "25"/' certificates.yaml
