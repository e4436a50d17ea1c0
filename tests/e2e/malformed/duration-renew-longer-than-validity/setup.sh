sed -i 's/renewBefore: 30d/renewBefore: 100d/' certificates.yaml
