import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { errors } from '../errors.ts';

/** What a valid access token says: whose it is, the login it belongs to and when it stops working. */
export interface AccessClaims {
  userId: string;
  /** The login session (refresh-token family) id, from the `sid` claim. */
  loginId: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export class AccessTokens {
  private readonly key: Uint8Array;
  private readonly ttlSeconds: number;

  constructor(secret: string, ttlSeconds: number) {
    this.key = new TextEncoder().encode(secret);
    this.ttlSeconds = ttlSeconds;
  }

  get expiresIn() {
    return this.ttlSeconds;
  }

  sign(userId: string, loginId: string): Promise<string> {
    return new SignJWT({ typ: 'access', sid: loginId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + this.ttlSeconds)
      .sign(this.key);
  }

  /**
   * The claims of a valid access token; 401 for anything else (malformed, expired, wrong key, or
   * issued before tokens named their login, which could then not be logged out).
   */
  async verify(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      const { typ, sub, sid, exp } = payload;
      if (typ !== 'access' || typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') {
        throw errors.unauthorized();
      }
      return { userId: sub, loginId: sid, expiresAt: exp * 1000 };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw errors.unauthorized('Token has expired');
      throw errors.unauthorized();
    }
  }
}
