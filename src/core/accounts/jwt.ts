import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { errors } from '../errors.ts';

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

  sign(userId: string): Promise<string> {
    return new SignJWT({ typ: 'access' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + this.ttlSeconds)
      .sign(this.key);
  }

  /** The user id in a valid access token; 401 for anything else (malformed, expired, wrong key). */
  async verify(token: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      if (payload.typ !== 'access' || typeof payload.sub !== 'string') throw errors.unauthorized();
      return payload.sub;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw errors.unauthorized('Token has expired');
      throw errors.unauthorized();
    }
  }
}
