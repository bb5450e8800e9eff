"""PostgreSQL: a policy version used by a decision can never change (every stored decision
must re-run through exactly the policy that made it). Installed by migration
`loans/0006_credit_origination`; on SQLite (the demo) the services and admin keep the rule."""

INSTALL = """
CREATE OR REPLACE FUNCTION loans_policyversion_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.first_used_on IS NOT NULL AND (
        NEW.policy IS DISTINCT FROM OLD.policy
        OR NEW.code IS DISTINCT FROM OLD.code
        OR NEW.version IS DISTINCT FROM OLD.version
        OR NEW.first_used_on IS DISTINCT FROM OLD.first_used_on
    ) THEN
        RAISE EXCEPTION 'policy version % v% was used by decisions and cannot be changed',
            OLD.code, OLD.version USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS loans_policyversion_immutable ON loans_policyversion;
CREATE TRIGGER loans_policyversion_immutable BEFORE UPDATE ON loans_policyversion
    FOR EACH ROW EXECUTE FUNCTION loans_policyversion_immutable();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS loans_policyversion_immutable ON loans_policyversion;
DROP FUNCTION IF EXISTS loans_policyversion_immutable();
"""
