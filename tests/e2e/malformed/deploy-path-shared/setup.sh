sed -i 's#path: out/ca.pem#path: out/web/cert.pem#' deploy.yaml
