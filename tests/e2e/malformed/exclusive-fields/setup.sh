sed -i 's/renewBefore: 30d/renewBefore: 30d\n  renewBeforePercentage: 20/' certificates.yaml
