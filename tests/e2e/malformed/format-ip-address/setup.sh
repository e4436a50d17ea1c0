sed -i 's/127.0.0.1/300.1.1.1/' certificates.yaml
