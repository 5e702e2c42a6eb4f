// The configuration file's schema. Every key the product reads is declared here so that a typo or a
// wrong value stops the start with a message naming the key (ajv, see load.ts). The TypeScript types of
// the file are derived from it (types.ts), so keep it `as const`.
const localized = {
  type: 'object',
  properties: { ja: { type: 'string', minLength: 1 }, en: { type: 'string', minLength: 1 } },
  required: ['ja', 'en'],
  additionalProperties: false,
} as const;

const localizedList = {
  type: 'object',
  properties: {
    ja: { type: 'array', items: { type: 'string', minLength: 1 } },
    en: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
  required: ['ja', 'en'],
  additionalProperties: false,
} as const;

const passwordPolicy = {
  type: 'object',
  properties: {
    minLength: { type: 'integer', minimum: 8, maximum: 64 },
    maxLength: { type: 'integer', minimum: 8, maximum: 64 },
    requireUppercase: { type: 'boolean' },
    requireLowercase: { type: 'boolean' },
    requireDigit: { type: 'boolean' },
    alphanumericOnly: { type: 'boolean' },
    rejectCommon: { type: 'boolean' },
  },
  required: ['minLength', 'maxLength', 'requireUppercase', 'requireLowercase', 'requireDigit', 'alphanumericOnly', 'rejectCommon'],
  additionalProperties: false,
} as const;

const throttleRule = {
  type: 'object',
  properties: {
    maxFailures: { type: 'integer', minimum: 1 },
    windowMinutes: { type: 'integer', minimum: 1 },
    lockMinutes: { type: 'integer', minimum: 1 },
  },
  required: ['maxFailures', 'windowMinutes', 'lockMinutes'],
  additionalProperties: false,
} as const;

/** A list of standard texts for staff decisions: an id (kept in the audit log) and the text in each language. */
const standardReasons = {
  type: 'array',
  maxItems: 30,
  items: {
    type: 'object',
    properties: { id: { type: 'string', pattern: '^[a-z0-9_-]{1,40}$' }, ja: { type: 'string', minLength: 1, maxLength: 500 }, en: { type: 'string', minLength: 1, maxLength: 500 } },
    required: ['id', 'ja', 'en'],
    additionalProperties: false,
  },
} as const;

const graduates = {
  type: 'object',
  properties: {
    terms: {
      type: 'object',
      properties: {
        version: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,32}$' },
        text: localized,
      },
      required: ['version', 'text'],
      additionalProperties: false,
    },
    loginNotes: localizedList,
    applicationNotes: localizedList,
    /** 申請受付: what happens after the application (shown on the page and in the mail); default: the texts apply.done. */
    nextSteps: localizedList,
    /** Optional form items shown to applicants ("入力項目は利用環境により異なります"). */
    optionalFields: {
      type: 'array',
      uniqueItems: true,
      items: { enum: ['gender', 'enrolledName', 'facultyText', 'studentNumber', 'graduatedMonth', 'homeAddress', 'homePhone', 'mobilePhone', 'workplace'] },
    },
    documentTypes: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: { id: { type: 'string', pattern: '^[a-z0-9_-]{1,64}$' }, ja: { type: 'string', minLength: 1 }, en: { type: 'string', minLength: 1 } },
        required: ['id', 'ja', 'en'],
        additionalProperties: false,
      },
    },
    uploads: {
      type: 'object',
      properties: {
        maxBytes: { type: 'integer', minimum: 10000, maximum: 20000000 },
        maxFiles: { type: 'integer', minimum: 1, maximum: 10 },
        /**
         * The pixels a browser must decode to show an image (the applicant's preview, the staff viewer),
         * from the size its header declares: a few kilobytes can declare hundreds of megapixels.
         * Defaults 8000, 8000 and 40000000 (40 megapixels; a usual phone photo is 12).
         */
        maxWidth: { type: 'integer', minimum: 1000, maximum: 16384 },
        maxHeight: { type: 'integer', minimum: 1000, maximum: 16384 },
        maxPixels: { type: 'integer', minimum: 1000000, maximum: 100000000 },
      },
      required: ['maxBytes', 'maxFiles'],
      additionalProperties: false,
    },
    initialPasswordDays: { type: 'integer', minimum: 1, maximum: 90 },
    applicationAccessDays: { type: 'integer', minimum: 1, maximum: 90 },
    documentRetentionDays: { type: 'integer', minimum: 1, maximum: 3650 },
    /** Seeds the staff-editable catalogue (大学名/学部名/学科名) when it is empty. */
    catalogue: {
      type: 'array',
      items: {
        type: 'object',
        properties: { university: { type: 'string', minLength: 1 }, faculty: { type: 'string', minLength: 1 }, department: { type: 'string', minLength: 1 } },
        required: ['university', 'faculty', 'department'],
        additionalProperties: false,
      },
    },
    /**
     * G6 個人情報設定・変更: the groups whose change waits for staff approval; the others are changed at
     * once. Absent or empty: everything at once, as the manual (002 §2.4(a)) shows it.
     */
    personalDataReview: {
      type: 'array',
      uniqueItems: true,
      items: { enum: ['name', 'gender', 'homeAddress', 'homePhone', 'mobilePhone', 'workplace'] },
    },    /** The staff console's review of applications (queue target, four-eyes, standard reasons). */
    review: {
      type: 'object',
      properties: {
        /** Applications waiting longer than this many days are highlighted in the queue (default 5). */
        targetDays: { type: 'integer', minimum: 1, maximum: 90 },
        /** A 変更 (G8) approval, which moves an account to a new address, needs a second staff member's confirmation (default false). */
        fourEyes: { type: 'boolean' },
        /** 却下: standard reasons the clerk picks from (and may add free text to); quoted in the mail in the applicant's language. */
        rejectionReasons: standardReasons,
        /** 再申請の依頼: standard requests, as rejectionReasons. */
        resubmissionReasons: standardReasons,
      },
      additionalProperties: false,
    },
  },
  required: ['terms', 'loginNotes', 'applicationNotes', 'optionalFields', 'documentTypes', 'uploads', 'initialPasswordDays', 'applicationAccessDays', 'documentRetentionDays'],
  additionalProperties: false,
} as const;

// The university directory adapters (DESIGN §4). Secrets are named (environment variable or file),
// never written here.
const envName = { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' } as const;
const nonEmpty = { type: 'string', minLength: 1, maxLength: 500 } as const;
const withIdPlaceholder = { type: 'string', minLength: 4, maxLength: 500, pattern: '\\{id\\}' } as const;

/**
 * Which directory attribute (LDAP) or claim (OpenID Connect) gives each item of a student's record.
 * `userId` identifies the student (the account is keyed by it); the names in katakana and romaji are
 * optional.
 */
const attributeMapping = {
  type: 'object',
  properties: {
    userId: nonEmpty,
    studentNumber: nonEmpty,
    familyName: nonEmpty,
    givenName: nonEmpty,
    familyNameKana: nonEmpty,
    givenNameKana: nonEmpty,
    familyNameLatin: nonEmpty,
    givenNameLatin: nonEmpty,
    faculty: nonEmpty,
    department: nonEmpty,
    status: nonEmpty,
  },
  required: ['userId', 'studentNumber', 'familyName', 'givenName', 'faculty', 'department', 'status'],
  additionalProperties: false,
} as const;

/** Values of the `status` attribute that mean "enrolled" (any other value cannot sign in). */
const enrolledValues = { type: 'array', minItems: 1, items: nonEmpty } as const;

/** The university LDAP directory: search-then-bind (`search`) or direct bind (`directBind`). */
const ldapDirectory = {
  type: 'object',
  properties: {
    /** ldap://host[:port] or ldaps://host[:port]. */
    url: { type: 'string', pattern: '^ldaps?://[^/?#\\s]+/?$' },
    /** Upgrade an ldap:// connection with StartTLS before anything is sent. */
    startTls: { type: 'boolean' },
    /** PEM file of the CA(s) that signed the directory's certificate (ldaps:// and StartTLS). */
    caFile: nonEmpty,
    /** Production refuses ldap:// without StartTLS unless this is set (e.g. a directory on the same host). */
    allowPlaintext: { type: 'boolean' },
    connectTimeoutMs: { type: 'integer', minimum: 100, maximum: 60000 },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 60000 },
    /** At most this many connections at once; further logins wait (up to timeoutMs). */
    poolSize: { type: 'integer', minimum: 1, maximum: 100 },
    search: {
      type: 'object',
      properties: {
        baseDn: nonEmpty,
        /** RFC 4515 filter; `{id}` is replaced by the escaped user ID, e.g. (uid={id}). */
        filter: withIdPlaceholder,
        scope: { enum: ['sub', 'one'] },
        /** The service account that searches (anonymous search without it). */
        bindDn: nonEmpty,
        bindPasswordEnv: envName,
        bindPasswordFile: nonEmpty,
      },
      required: ['baseDn', 'filter'],
      additionalProperties: false,
    },
    directBind: {
      type: 'object',
      /** dnTemplate: the student's DN; `{id}` is replaced by the RFC 4514-escaped user ID. */
      properties: { dnTemplate: withIdPlaceholder },
      required: ['dnTemplate'],
      additionalProperties: false,
    },
    attributes: attributeMapping,
    enrolledValues,
    /** The enrolments' university name (default: branding.universityName.ja). */
    university: nonEmpty,
  },
  required: ['url', 'attributes', 'enrolledValues'],
  additionalProperties: false,
} as const;

/** The university's OpenID Connect IdP (the student signs in there, then gives the second password here). */
const oidcDirectory = {
  type: 'object',
  properties: {
    issuer: { type: 'string', format: 'uri', pattern: '^https?://' },
    clientId: nonEmpty,
    clientSecretEnv: envName,
    clientSecretFile: nonEmpty,
    /** Default: client_secret_basic with a secret, none (PKCE only) without. */
    tokenEndpointAuthMethod: { enum: ['client_secret_basic', 'client_secret_post', 'none'] },
    /** Default: "openid profile". */
    scope: { type: 'string', pattern: '(^| )openid( |$)' },
    /** Also read the userinfo endpoint (its claims take precedence over the ID token's). */
    userinfo: { type: 'boolean' },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 60000 },
    /** The label of the SSO button on the login page. */
    buttonText: localized,
    claims: attributeMapping,
    enrolledValues,
    university: nonEmpty,
  },
  required: ['issuer', 'clientId', 'buttonText', 'claims', 'enrolledValues'],
  additionalProperties: false,
} as const;

/** Attribute names of a SAML assertion: a urn:oid: name or a friendly name (eduPersonPrincipalName, jasn…). */
const samlAttributeMapping = {
  type: 'object',
  properties: {
    /** Default eduPersonPrincipalName (its scope must be one of the IdP's shibmd:Scope). */
    userId: nonEmpty,
    studentNumber: nonEmpty,
    /** Default jasn, jaGivenName (kanji); when absent, jaDisplayName split at its space. */
    familyName: nonEmpty,
    givenName: nonEmpty,
    displayName: nonEmpty,
    familyNameKana: nonEmpty,
    givenNameKana: nonEmpty,
    /** Default sn, givenName (romaji). */
    familyNameLatin: nonEmpty,
    givenNameLatin: nonEmpty,
    faculty: nonEmpty,
    department: nonEmpty,
    /** Default eduPersonAffiliation; eduPersonScopedAffiliation values have their scope checked and removed. */
    status: nonEmpty,
  },
  required: ['studentNumber', 'faculty', 'department'],
  additionalProperties: false,
} as const;

/** The university's SAML 2.0 IdP (Shibboleth, GakuNin): Web Browser SSO, then the second password here. */
const samlDirectory = {
  type: 'object',
  properties: {
    /** This service provider's entityID (default: $ISSUER/saml/metadata, where the SP metadata is served). */
    entityId: { type: 'string', format: 'uri' },
    /** PEM private key and certificate that sign the AuthnRequests (mounted secrets). */
    signingKeyFile: nonEmpty,
    signingCertFile: nonEmpty,
    /** PEM key and certificate the IdP encrypts assertions to (default: the signing pair). */
    encryptionKeyFile: nonEmpty,
    encryptionCertFile: nonEmpty,
    idp: {
      type: 'object',
      properties: {
        entityId: { type: 'string', minLength: 1, maxLength: 1024 },
        /** The IdP's metadata (or a federation aggregate) as a file… */
        metadataFile: nonEmpty,
        /** …or fetched from a URL at start and every refreshMinutes (https:// in production). */
        metadataUrl: { type: 'string', format: 'uri', pattern: '^https?://' },
        /** PEM certificate of the federation's metadata signer: required with metadataUrl. */
        metadataSigningCertFile: nonEmpty,
        refreshMinutes: { type: 'integer', minimum: 5, maximum: 10080 },
      },
      required: ['entityId'],
      additionalProperties: false,
    },
    /** Allowed clock difference for NotBefore / NotOnOrAfter (default 60). */
    clockSkewSeconds: { type: 'integer', minimum: 0, maximum: 300 },
    /** Fetching the metadata URL (default 5000). */
    timeoutMs: { type: 'integer', minimum: 100, maximum: 60000 },
    buttonText: localized,
    attributes: samlAttributeMapping,
    /** Default ["student"] (eduPersonAffiliation). */
    enrolledValues,
    university: nonEmpty,
  },
  required: ['signingKeyFile', 'signingCertFile', 'idp', 'buttonText', 'attributes'],
  additionalProperties: false,
} as const;

export const configSchema = {
  type: 'object',
  properties: {
    demo: { type: 'boolean' },
    issuer: { type: 'string', format: 'uri', pattern: '^https?://[^?#]+[^/?#]$' },
    branding: {
      type: 'object',
      properties: {
        universityName: localized,
        serviceName: localized,
        studentLoginNotes: localizedList,
        contact: localized,
      },
      required: ['universityName', 'serviceName', 'studentLoginNotes', 'contact'],
      additionalProperties: false,
    },
    mail: {
      type: 'object',
      properties: {
        from: { type: 'string', format: 'email' },
        fromName: localized,
        allowListAddress: { type: 'string', format: 'email' },
        maxAttempts: { type: 'integer', minimum: 1, maximum: 100 },
        pollSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600 },
      },
      required: ['from', 'fromName', 'maxAttempts', 'pollSeconds'],
      additionalProperties: false,
    },
    manualUrl: {
      type: 'object',
      properties: { student: { type: 'string', format: 'uri' }, graduate: { type: 'string', format: 'uri' } },
      required: ['student'],
      additionalProperties: false,
    },
    clients: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          client_id: { type: 'string', pattern: '^[A-Za-z0-9._~-]{1,100}$' },
          client_name: { type: 'string' },
          client_secret: { type: 'string', minLength: 32 },
          client_secret_env: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' },
          token_endpoint_auth_method: {
            enum: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
          },
          jwks_uri: { type: 'string', format: 'uri' },
          redirect_uris: { type: 'array', minItems: 1, items: { type: 'string', format: 'uri' } },
          post_logout_redirect_uris: { type: 'array', items: { type: 'string', format: 'uri' } },
          backchannel_logout_uri: { type: 'string', format: 'uri' },
          initiate_login_uri: { type: 'string', format: 'uri' },
          grant_types: { type: 'array', items: { enum: ['authorization_code', 'refresh_token'] } },
          scope: { type: 'string' },
          first_party: { type: 'boolean' },
          may_introspect: { type: 'boolean' },
        },
        required: ['client_id', 'redirect_uris', 'token_endpoint_auth_method'],
        additionalProperties: false,
      },
    },
    directory: {
      type: 'object',
      properties: {
        adapter: { enum: ['file', 'ldap', 'oidc', 'saml'] },
        file: {
          type: 'object',
          properties: { path: { type: 'string', minLength: 1 } },
          required: ['path'],
          additionalProperties: false,
        },
        ldap: ldapDirectory,
        oidc: oidcDirectory,
        saml: samlDirectory,
      },
      required: ['adapter'],
      additionalProperties: false,
    },
    lifetimes: {
      type: 'object',
      properties: {
        oneTimeUrlMinutes: { type: 'integer', minimum: 1, maximum: 1440 },
        sessionIdleMinutes: { type: 'integer', minimum: 1, maximum: 1440 },
        sessionAbsoluteHours: { type: 'integer', minimum: 1, maximum: 720 },
        accessTokenSeconds: { type: 'integer', minimum: 60, maximum: 86400 },
        idTokenSeconds: { type: 'integer', minimum: 60, maximum: 86400 },
        authorizationCodeSeconds: { type: 'integer', minimum: 10, maximum: 600 },
        refreshTokenDays: { type: 'integer', minimum: 1, maximum: 365 },
        interactionMinutes: { type: 'integer', minimum: 5, maximum: 1440 },
        /** A staff enrolment link (create-staff, スタッフの追加, 二要素認証のリセット) works this long (default 72). */
        staffEnrolmentHours: { type: 'integer', minimum: 1, maximum: 720 },
      },
      required: [
        'oneTimeUrlMinutes', 'sessionIdleMinutes', 'sessionAbsoluteHours', 'accessTokenSeconds',
        'idTokenSeconds', 'authorizationCodeSeconds', 'refreshTokenDays', 'interactionMinutes',
      ],
      additionalProperties: false,
    },
    passwordHashing: {
      type: 'object',
      properties: {
        memoryKiB: { type: 'integer', minimum: 19456 },
        timeCost: { type: 'integer', minimum: 2 },
        parallelism: { type: 'integer', minimum: 1, maximum: 16 },
        maxConcurrent: { type: 'integer', minimum: 1, maximum: 64 },
      },
      required: ['memoryKiB', 'timeCost', 'parallelism'],
      additionalProperties: false,
    },
    /** The graduate service; absent = the university offers sign-in to current students only. */
    graduates,
    /** 郵便番号検索; absent = the imported table only, with no HTTP fallback. */
    postalCodes: {
      type: 'object',
      properties: {
        // e.g. https://zipcloud.ibsnet.co.jp/api/search?zipcode={code} (zipcloud's JSON shape).
        // Not format "uri": the {code} placeholder is not valid URI syntax.
        fallbackUrl: { type: 'string', pattern: '^https?://[^\\s{}]+\\{code\\}[^\\s{}]*$' },
        timeoutMs: { type: 'integer', minimum: 100, maximum: 30000 },
        /** How long the fallback's answers (found and not found; not its failures) are kept in memory (default 1440; 0 = not kept). */
        cacheMinutes: { type: 'integer', minimum: 0, maximum: 10080 },
        /** At most this many codes are kept; the least recently used goes first (default 10000). */
        cacheEntries: { type: 'integer', minimum: 1, maximum: 1000000 },
      },
      required: ['timeoutMs'],
      additionalProperties: false,
    },
    passwordPolicy: {
      type: 'object',
      properties: {
        secondPassword: passwordPolicy,
        /** The graduates' login password (default: the second password's rules). */
        password: passwordPolicy,
        /** A new password or second password may not repeat the last N of its kind (default 5; 0 = no history). */
        historySize: { type: 'integer', minimum: 0, maximum: 10 },
      },
      required: ['secondPassword'],
      additionalProperties: false,
    },
    /** The account menu; absent = the defaults. */
    account: {
      type: 'object',
      properties: {
        /** Changing a credential, the address or personal data asks for the password again after this long since the sign-in (default 15). */
        reauthenticateAfterMinutes: { type: 'integer', minimum: 1, maximum: 1440 },
      },
      additionalProperties: false,
    },
    /**
     * The IANA time zone of every time the staff console shows and of its audit log's date filters
     * (default Asia/Tokyo). The pattern keeps out what is plainly no zone name; load.ts asks the
     * runtime whether it knows the zone.
     */
    timeZone: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$', maxLength: 64 },
    throttle: {
      type: 'object',
      properties: {
        perAccount: throttleRule,
        perIp: throttleRule,
        mailPerAccountPerHour: { type: 'integer', minimum: 1 },
        /** GET /postal-codes/:code per client address and minute, per replica (default 30). */
        postalCodesPerMinute: { type: 'integer', minimum: 1, maximum: 10000 },
      },
      required: ['perAccount', 'perIp', 'mailPerAccountPerHour'],
      additionalProperties: false,
    },
  },
  required: [
    'branding', 'mail', 'manualUrl', 'clients', 'directory', 'lifetimes', 'passwordHashing',
    'passwordPolicy', 'throttle',
  ],
  additionalProperties: false,
} as const;
