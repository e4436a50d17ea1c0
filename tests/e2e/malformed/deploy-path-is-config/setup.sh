sed -i 's#path: out/ca.pem#path: ca.yaml#' deploy.yaml
