sed -i 's/www.internal.example/-bad..name/' certificates.yaml
