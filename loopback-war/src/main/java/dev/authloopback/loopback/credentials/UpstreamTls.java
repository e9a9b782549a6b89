package dev.authloopback.loopback.credentials;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * The TLS context of the upstream connection: the client certificate of {@code key-store}
 * (RFC 8705 {@code tls_client_auth}) and the CAs of {@code trust-store} (an IdP with a private CA).
 * Without either, the JVM's defaults apply.
 */
public final class UpstreamTls {
    private UpstreamTls() {
    }

    /** @return {@code null} when neither store is configured (the JVM default context is used) */
    public static SSLContext contextFor(ClientAuthSettings settings) {
        boolean clientCert = settings.method() == ClientAuthMethod.TLS_CLIENT_AUTH && settings.keyStore() != null;
        if (!clientCert && settings.trustStore() == null) {
            return null;
        }
        try {
            KeyManager[] keys = null;
            if (clientCert) {
                KeyStore store = CredentialFiles.loadKeyStore(settings.keyStore(), settings.keyStorePassword());
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(store, settings.keyStorePassword().toCharArray());
                keys = factory.getKeyManagers();
            }
            TrustManager[] trust = null;
            if (settings.trustStore() != null) {
                KeyStore store = CredentialFiles.loadKeyStore(settings.trustStore(), settings.trustStorePassword());
                TrustManagerFactory factory = TrustManagerFactory.getInstance(
                        TrustManagerFactory.getDefaultAlgorithm());
                factory.init(store);
                trust = factory.getTrustManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new CredentialFileException("TLS context cannot be built (" + e.getClass().getSimpleName() + ")",
                    false);
        }
    }

    /**
     * The context for the profile's other calls to its IdP (the subject issuer's JWKS): the CAs of
     * {@code trust-store}, never the client certificate, which is for the token endpoint alone.
     *
     * @return {@code null} without a {@code trust-store} (the JVM default context is used)
     */
    public static SSLContext trustOnly(ClientAuthSettings settings) {
        if (settings.trustStore() == null) {
            return null;
        }
        try {
            KeyStore store = CredentialFiles.loadKeyStore(settings.trustStore(), settings.trustStorePassword());
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new CredentialFileException("TLS context cannot be built (" + e.getClass().getSimpleName() + ")",
                    false);
        }
    }

    /** Start-up check of a client-certificate key store: it must hold a key entry usable with its password. */
    public static void checkKeyStore(KeyStore store, String password) {
        try {
            boolean hasKey = false;
            for (String alias : java.util.Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    store.getKey(alias, password.toCharArray());
                    hasKey = true;
                }
            }
            if (!hasKey) {
                throw new CredentialFileException("the key store holds no private key entry (client certificate)",
                        false);
            }
        } catch (GeneralSecurityException e) {
            throw new CredentialFileException("the key entry cannot be read with key-store-password ("
                    + e.getClass().getSimpleName() + ")", true);
        }
    }
}
