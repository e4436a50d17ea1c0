sed -i 's#path: out/ca.pem#path: .keyform/ca.pem#' deploy.yaml
