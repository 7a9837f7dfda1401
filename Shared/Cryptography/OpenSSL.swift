internal import COpenSSL

/// Cryptographically secure random bytes from OpenSSL.
public enum SecureRandom {
    /// `count` random bytes; traps only if OpenSSL's generator is broken.
    public static func bytes(count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return bytes }
        let status = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(status == 1, "OpenSSL's random generator failed")
        return bytes
    }
}

/// AES-256-GCM through OpenSSL's EVP interface: 96-bit nonces, 128-bit tags.
public enum AESGCM {
    /// Nonce size in bytes.
    public static let nonceByteCount = 12
    /// Tag size in bytes.
    public static let tagByteCount = 16

    /// Encrypts and authenticates `plaintext` and authenticates `associatedData`; a random nonce unless one is given.
    public static func seal(
        _ plaintext: [UInt8],
        key: SymmetricKey,
        nonce: [UInt8]? = nil,
        associatedData: [UInt8] = []
    ) throws -> (nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
        let nonce = nonce ?? SecureRandom.bytes(count: nonceByteCount)
        guard nonce.count == nonceByteCount else { throw CryptoError(.library, "an AES-GCM nonce must be 12 bytes") }
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError(.library, "cannot allocate a cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        var length: Int32 = 0
        var finalLength: Int32 = 0
        guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceByteCount), nil) == 1,
            EVP_EncryptInit_ex(context, nil, nil, key.bytes, nonce) == 1,
            associatedData.isEmpty || EVP_EncryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1,
            plaintext.isEmpty || EVP_EncryptUpdate(context, &ciphertext, &length, plaintext, Int32(plaintext.count)) == 1
        else { throw CryptoError(.library, "AES-GCM encryption failed") }
        let written = plaintext.isEmpty ? 0 : Int(length)
        let sealed = ciphertext.withUnsafeMutableBufferPointer { buffer in
            EVP_EncryptFinal_ex(context, buffer.baseAddress! + written, &finalLength) == 1
                && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), &tag) == 1
        }
        guard sealed else { throw CryptoError(.library, "AES-GCM encryption failed") }
        return (nonce, Array(ciphertext.prefix(written + Int(finalLength))), tag)
    }

    /// Checks the tag over `ciphertext` and `associatedData` and decrypts; any alteration throws `authenticationFailed`.
    public static func open(
        ciphertext: [UInt8],
        tag: [UInt8],
        nonce: [UInt8],
        key: SymmetricKey,
        associatedData: [UInt8] = []
    ) throws -> [UInt8] {
        guard nonce.count == nonceByteCount, tag.count == tagByteCount else {
            throw CryptoError(.authenticationFailed, "the sealed data could not be authenticated")
        }
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError(.library, "cannot allocate a cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var tag = tag
        var length: Int32 = 0
        var finalLength: Int32 = 0
        guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceByteCount), nil) == 1,
            EVP_DecryptInit_ex(context, nil, nil, key.bytes, nonce) == 1,
            associatedData.isEmpty || EVP_DecryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1,
            ciphertext.isEmpty || EVP_DecryptUpdate(context, &plaintext, &length, ciphertext, Int32(ciphertext.count)) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagByteCount), &tag) == 1
        else { throw CryptoError(.library, "AES-GCM decryption failed") }
        let written = ciphertext.isEmpty ? 0 : Int(length)
        let verified = plaintext.withUnsafeMutableBufferPointer { buffer in
            EVP_DecryptFinal_ex(context, buffer.baseAddress! + written, &finalLength) == 1
        }
        guard verified else { throw CryptoError(.authenticationFailed, "the sealed data could not be authenticated") }
        return Array(plaintext.prefix(written + Int(finalLength)))
    }
}

/// HKDF with SHA-256 (RFC 5869) through OpenSSL.
public enum HKDF {
    /// Derives `outputByteCount` bytes from `inputKeyMaterial`, `salt` and `info`.
    public static func deriveSHA256(inputKeyMaterial: [UInt8], salt: [UInt8], info: [UInt8], outputByteCount: Int) throws -> [UInt8] {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nil) else { throw CryptoError(.library, "cannot allocate an HKDF context") }
        defer { EVP_PKEY_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: outputByteCount)
        var length = outputByteCount
        guard EVP_PKEY_derive_init(context) == 1,
            EVP_PKEY_CTX_set_hkdf_md(context, EVP_sha256()) == 1,
            EVP_PKEY_CTX_set1_hkdf_salt(context, salt, Int32(salt.count)) == 1,
            EVP_PKEY_CTX_set1_hkdf_key(context, inputKeyMaterial, Int32(inputKeyMaterial.count)) == 1,
            EVP_PKEY_CTX_add1_hkdf_info(context, info, Int32(info.count)) == 1,
            EVP_PKEY_derive(context, &output, &length) == 1,
            length == outputByteCount
        else { throw CryptoError(.library, "HKDF derivation failed") }
        return output
    }
}
