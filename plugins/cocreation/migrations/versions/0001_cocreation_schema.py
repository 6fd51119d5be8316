"""cocreation schema: the idea board (ideas, tags, votes, followers, comments, flags), stages, categories,
campaigns, links to what led to an idea elsewhere, and the loop (who was told what)

Search: on PostgreSQL a trigram index on the title (similar ideas while typing) and a full-text index on title and
description (`pg_trgm` is a trusted extension); on SQLite an FTS5 table kept current by triggers, keyed by the idea's
id (not the rowid, which a VACUUM may renumber).

Revision ID: 0001_cocreation
Revises:
Create Date: 2027-02-01 12:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0001_cocreation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("cocreation",)
depends_on: str | Sequence[str] | None = "0017_core_customers"

GUID = advanced_alchemy.types.guid.GUID(length=16)
WHEN = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)

SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE cocreation_idea_fts USING fts5(idea_id UNINDEXED, title, description, "
    "tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER cocreation_idea_fts_insert AFTER INSERT ON cocreation_idea BEGIN "
    "INSERT INTO cocreation_idea_fts (idea_id, title, description) VALUES (new.id, new.title, new.description); END",
    "CREATE TRIGGER cocreation_idea_fts_update AFTER UPDATE OF title, description ON cocreation_idea BEGIN "
    "DELETE FROM cocreation_idea_fts WHERE idea_id = old.id; "
    "INSERT INTO cocreation_idea_fts (idea_id, title, description) VALUES (new.id, new.title, new.description); END",
    "CREATE TRIGGER cocreation_idea_fts_delete AFTER DELETE ON cocreation_idea BEGIN "
    "DELETE FROM cocreation_idea_fts WHERE idea_id = old.id; END",
)
POSTGRES_SEARCH = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_cocreation_idea_title_trgm ON cocreation_idea USING gin (title gin_trgm_ops)",
    "CREATE INDEX ix_cocreation_idea_text_fts ON cocreation_idea USING gin "
    "(to_tsvector('simple', title || ' ' || description))",
)


def upgrade() -> None:
    op.create_table('cocreation_settings',
    sa.Column('id', GUID, nullable=False),
    sa.Column('board_title', sa.String(length=120), nullable=False),
    sa.Column('board_intro', sa.Text(), nullable=False),
    sa.Column('is_private', sa.Boolean(), nullable=False),
    sa.Column('moderation', sa.String(length=12), nullable=False),
    sa.Column('vote_threshold', sa.Integer(), nullable=False),
    sa.Column('prerequisite_weeks', sa.Integer(), nullable=False),
    sa.Column('idea_counter', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('figures_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', GUID, nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_cocreation_settings_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cocreation_settings')),
    sa.UniqueConstraint('tenant_id', name='uq_cocreation_settings_tenant')
    )
    op.create_index(op.f('ix_cocreation_settings_tenant_id'), 'cocreation_settings', ['tenant_id'], unique=False)
    op.create_table('cocreation_stage',
    sa.Column('id', GUID, nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('meaning', sa.String(length=12), nullable=False),
    sa.Column('name_nl', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', GUID, nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_cocreation_stage_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cocreation_stage')),
    sa.UniqueConstraint('tenant_id', 'key', name='uq_cocreation_stage_key')
    )
    op.create_index(op.f('ix_cocreation_stage_tenant_id'), 'cocreation_stage', ['tenant_id'], unique=False)
    op.create_table('cocreation_category',
    sa.Column('id', GUID, nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', GUID, nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_cocreation_category_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cocreation_category')),
    sa.UniqueConstraint('tenant_id', 'name', name='uq_cocreation_category_name')
    )
    op.create_index(op.f('ix_cocreation_category_tenant_id'), 'cocreation_category', ['tenant_id'], unique=False)
    op.create_table('cocreation_campaign',
    sa.Column('id', GUID, nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('results', sa.Text(), nullable=False),
    sa.Column('created_by_id', GUID, nullable=True),
    sa.Column('tenant_id', GUID, nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_cocreation_campaign_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_cocreation_campaign_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cocreation_campaign')),
    sa.UniqueConstraint('tenant_id', 'slug', name='uq_cocreation_campaign_slug')
    )
    op.create_index('ix_cocreation_campaign_dates', 'cocreation_campaign', ['tenant_id', 'starts_at', 'ends_at'], unique=False)
    op.create_index(op.f('ix_cocreation_campaign_tenant_id'), 'cocreation_campaign', ['tenant_id'], unique=False)
    op.create_table('cocreation_idea',
    sa.Column('id', GUID, nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category_id', GUID, nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('campaign_id', GUID, nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('stage_key', sa.String(length=40), nullable=False),
    sa.Column('merged_into_id', GUID, nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('customer_id', GUID, nullable=True),
    sa.Column('author_user_id', GUID, nullable=True),
    sa.Column('author_name', sa.String(length=120), nullable=False),
    sa.Column('vote_count', sa.Integer(), nullable=False),
    sa.Column('comment_count', sa.Integer(), nullable=False),
    sa.Column('follower_count', sa.Integer(), nullable=False),
    sa.Column('flag_count', sa.Integer(), nullable=False),
    sa.Column('spam_reasons', sa.JSON(), nullable=False),
    sa.Column('moderation_note', sa.Text(), nullable=False),
    sa.Column('owner_id', GUID, nullable=True),
    sa.Column('effort', sa.Integer(), nullable=True),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('triaged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stage_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client_ip', sa.String(length=45), nullable=False),
    sa.Column('tenant_id', GUID, nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['author_user_id'], ['user_account.id'], name=op.f('fk_cocreation_idea_author_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['cocreation_campaign.id'], name=op.f('fk_cocreation_idea_campaign_id_cocreation_campaign'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['cocreation_category.id'], name=op.f('fk_cocreation_idea_category_id_cocreation_category'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_cocreation_idea_customer_id_customer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['cocreation_idea.id'], name=op.f('fk_cocreation_idea_merged_into_id_cocreation_idea'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_cocreation_idea_owner_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_cocreation_idea_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cocreation_idea')),
    sa.UniqueConstraint('tenant_id', 'number', name='uq_cocreation_idea_number')
    )
    op.create_index('ix_cocreation_idea_campaign', 'cocreation_idea', ['tenant_id', 'campaign_id', 'vote_count'], unique=False)
    op.create_index('ix_cocreation_idea_customer', 'cocreation_idea', ['tenant_id', 'customer_id'], unique=False)
    op.create_index('ix_cocreation_idea_changed', 'cocreation_idea', ['tenant_id', 'status', 'stage_changed_at',
                                                                      'created_at'], unique=False)
    op.create_index('ix_cocreation_idea_client', 'cocreation_idea', ['tenant_id', 'client_ip', 'created_at'],
                    unique=False)
    op.create_index('ix_cocreation_idea_recent', 'cocreation_idea', ['tenant_id', 'status', 'created_at'], unique=False)
    op.create_index('ix_cocreation_idea_response', 'cocreation_idea', ['tenant_id', 'first_response_at'], unique=False)
    op.create_index('ix_cocreation_idea_stage', 'cocreation_idea', ['tenant_id', 'status', 'stage_key', 'vote_count',
                                                                    'created_at'], unique=False)
    op.create_index('ix_cocreation_idea_category', 'cocreation_idea', ['tenant_id', 'status', 'category_id',
                                                                       'vote_count', 'created_at'], unique=False)
    op.create_index(op.f('ix_cocreation_idea_tenant_id'), 'cocreation_idea', ['tenant_id'], unique=False)
    op.create_index('ix_cocreation_idea_top', 'cocreation_idea', ['tenant_id', 'status', 'vote_count', 'created_at'],
                    unique=False)
    op.create_index('ix_cocreation_idea_triage', 'cocreation_idea', ['tenant_id', 'triaged_at', 'created_at'], unique=False)
    op.create_table('cocreation_idea_tag',
    sa.Column('id', GUID, nullable=False),
    sa.Column('idea_id', GUID, nullable=False),
    sa.Column('tag', sa.String(length=40), nullable=False),
    sa.Column('tenant_id', GUID, nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['cocreation_idea.id'], name=op.f('fk_cocreation_idea_tag_idea_id_cocreation_idea'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_cocreation_idea_tag_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cocreation_idea_tag')),
    sa.UniqueConstraint('tenant_id', 'idea_id', 'tag', name='uq_cocreation_idea_tag')
    )
    op.create_index('ix_cocreation_idea_tag_tag', 'cocreation_idea_tag', ['tenant_id', 'tag'], unique=False)
    op.create_index(op.f('ix_cocreation_idea_tag_tenant_id'), 'cocreation_idea_tag', ['tenant_id'], unique=False)
    op.create_table('cocreation_vote',
    sa.Column('id', GUID, nullable=False),
    sa.Column('idea_id', GUID, nullable=False),
    sa.Column('customer_id', GUID, nullable=False),
    sa.Column('tenant_id', GUID, nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_cocreation_vote_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['idea_id'], ['cocreation_idea.id'], name=op.f('fk_cocreation_vote_idea_id_cocreation_idea'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_cocreation_vote_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cocreation_vote')),
    sa.UniqueConstraint('tenant_id', 'idea_id', 'customer_id', name='uq_cocreation_vote')
    )
    op.create_index('ix_cocreation_vote_created', 'cocreation_vote', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_cocreation_vote_customer', 'cocreation_vote', ['tenant_id', 'customer_id'], unique=False)
    op.create_index(op.f('ix_cocreation_vote_tenant_id'), 'cocreation_vote', ['tenant_id'], unique=False)
    op.create_table('cocreation_follower',
    sa.Column('id', GUID, nullable=False),
    sa.Column('idea_id', GUID, nullable=False),
    sa.Column('customer_id', GUID, nullable=False),
    sa.Column('tenant_id', GUID, nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_cocreation_follower_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['idea_id'], ['cocreation_idea.id'], name=op.f('fk_cocreation_follower_idea_id_cocreation_idea'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_cocreation_follower_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cocreation_follower')),
    sa.UniqueConstraint('tenant_id', 'idea_id', 'customer_id', name='uq_cocreation_follower')
    )
    op.create_index('ix_cocreation_follower_customer', 'cocreation_follower', ['tenant_id', 'customer_id'], unique=False)
    op.create_index(op.f('ix_cocreation_follower_tenant_id'), 'cocreation_follower', ['tenant_id'], unique=False)
    op.create_table('cocreation_comment',
    sa.Column('id', GUID, nullable=False),
    sa.Column('idea_id', GUID, nullable=False),
    sa.Column('customer_id', GUID, nullable=True),
    sa.Column('user_id', GUID, nullable=True),
    sa.Column('author_name', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('spam_reasons', sa.JSON(), nullable=False),
    sa.Column('flag_count', sa.Integer(), nullable=False),
    sa.Column('client_ip', sa.String(length=45), nullable=False),
    sa.Column('tenant_id', GUID, nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_cocreation_comment_customer_id_customer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['idea_id'], ['cocreation_idea.id'], name=op.f('fk_cocreation_comment_idea_id_cocreation_idea'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_cocreation_comment_tenant_id_tenant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_cocreation_comment_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cocreation_comment'))
    )
    op.create_index('ix_cocreation_comment_idea', 'cocreation_comment', ['tenant_id', 'idea_id', 'created_at'], unique=False)
    op.create_index('ix_cocreation_comment_status', 'cocreation_comment', ['tenant_id', 'status', 'created_at'], unique=False)
    op.create_index('ix_cocreation_comment_customer', 'cocreation_comment', ['tenant_id', 'customer_id', 'created_at'],
                    unique=False)
    op.create_index('ix_cocreation_comment_client', 'cocreation_comment', ['tenant_id', 'client_ip', 'created_at'],
                    unique=False)
    op.create_index(op.f('ix_cocreation_comment_tenant_id'), 'cocreation_comment', ['tenant_id'], unique=False)
    op.create_table('cocreation_flag',
    sa.Column('id', GUID, nullable=False),
    sa.Column('target_kind', sa.String(length=8), nullable=False),
    sa.Column('target_id', GUID, nullable=False),
    sa.Column('customer_id', GUID, nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', GUID, nullable=True),
    sa.Column('tenant_id', GUID, nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_cocreation_flag_customer_id_customer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_cocreation_flag_resolved_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_cocreation_flag_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cocreation_flag')),
    sa.UniqueConstraint('tenant_id', 'target_kind', 'target_id', 'customer_id', name='uq_cocreation_flag')
    )
    op.create_index('ix_cocreation_flag_open', 'cocreation_flag', ['tenant_id', 'resolved_at', 'created_at'], unique=False)
    op.create_index(op.f('ix_cocreation_flag_tenant_id'), 'cocreation_flag', ['tenant_id'], unique=False)
    op.create_table('cocreation_stage_change',
    sa.Column('id', GUID, nullable=False),
    sa.Column('idea_id', GUID, nullable=False),
    sa.Column('from_key', sa.String(length=40), nullable=False),
    sa.Column('to_key', sa.String(length=40), nullable=False),
    sa.Column('to_meaning', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('user_id', GUID, nullable=True),
    sa.Column('tenant_id', GUID, nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['cocreation_idea.id'], name=op.f('fk_cocreation_stage_change_idea_id_cocreation_idea'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_cocreation_stage_change_tenant_id_tenant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_cocreation_stage_change_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cocreation_stage_change'))
    )
    op.create_index('ix_cocreation_stage_change_idea', 'cocreation_stage_change', ['tenant_id', 'idea_id', 'created_at'], unique=False)
    op.create_index('ix_cocreation_stage_change_recent', 'cocreation_stage_change', ['tenant_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_cocreation_stage_change_tenant_id'), 'cocreation_stage_change', ['tenant_id'], unique=False)
    op.create_table('cocreation_link',
    sa.Column('id', GUID, nullable=False),
    sa.Column('idea_id', GUID, nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('ref_id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('excerpt', sa.Text(), nullable=False),
    sa.Column('author_handle', sa.String(length=200), nullable=False),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('uri', sa.String(length=500), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('linked_by_id', GUID, nullable=True),
    sa.Column('tenant_id', GUID, nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['cocreation_idea.id'], name=op.f('fk_cocreation_link_idea_id_cocreation_idea'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['linked_by_id'], ['user_account.id'], name=op.f('fk_cocreation_link_linked_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_cocreation_link_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cocreation_link')),
    sa.UniqueConstraint('tenant_id', 'idea_id', 'kind', 'ref_id', name='uq_cocreation_link')
    )
    op.create_index('ix_cocreation_link_ref', 'cocreation_link', ['tenant_id', 'kind', 'ref_id'], unique=False)
    op.create_index(op.f('ix_cocreation_link_tenant_id'), 'cocreation_link', ['tenant_id'], unique=False)
    op.create_table('cocreation_loop_message',
    sa.Column('id', GUID, nullable=False),
    sa.Column('idea_id', GUID, nullable=False),
    sa.Column('stage_change_id', GUID, nullable=False),
    sa.Column('link_id', GUID, nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('post_uri', sa.String(length=500), nullable=False),
    sa.Column('tenant_id', GUID, nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['idea_id'], ['cocreation_idea.id'], name=op.f('fk_cocreation_loop_message_idea_id_cocreation_idea'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['link_id'], ['cocreation_link.id'], name=op.f('fk_cocreation_loop_message_link_id_cocreation_link'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['stage_change_id'], ['cocreation_stage_change.id'], name=op.f('fk_cocreation_loop_message_stage_change_id_cocreation_stage_change'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_cocreation_loop_message_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cocreation_loop_message')),
    sa.UniqueConstraint('tenant_id', 'stage_change_id', 'channel', 'recipient', name='uq_cocreation_loop_message')
    )
    op.create_index('ix_cocreation_loop_idea', 'cocreation_loop_message', ['tenant_id', 'idea_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_cocreation_loop_message_tenant_id'), 'cocreation_loop_message', ['tenant_id'], unique=False)
    op.create_index('ix_cocreation_loop_state', 'cocreation_loop_message', ['tenant_id', 'state', 'created_at'], unique=False)
    op.create_index('ix_cocreation_loop_sent', 'cocreation_loop_message', ['tenant_id', 'state', 'sent_at'], unique=False)
    for statement in SQLITE_SEARCH if op.get_bind().dialect.name == "sqlite" else POSTGRES_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS cocreation_idea_fts")
    for table in ("cocreation_loop_message", "cocreation_link", "cocreation_stage_change", "cocreation_flag",
                  "cocreation_comment", "cocreation_follower", "cocreation_vote", "cocreation_idea_tag",
                  "cocreation_idea", "cocreation_campaign", "cocreation_category", "cocreation_stage",
                  "cocreation_settings"):
        op.drop_table(table)
