-- pyERP's target tables, as Django's PostgreSQL backend creates them from the models in
-- reference/pyerp-target.md. The sync ships this so the demo and the tests have a pyERP to publish into, and
-- flows/target.py derives the expected shape of a real pyERP from it (it is the only place the shape is written).
--
-- How flows/target.py runs this file:
--   * Names are unqualified: the file runs after `set local search_path` to the (quoted) target schema, or to
--     pg_temp when the shape check builds its throw-away copy. Do not schema-qualify anything here.
--   * One statement per table or index, each ending in `;` at the end of a line. Every statement names its table
--     (`create table <t>`, `create [unique] index [<name>] on <t>`), so a missing table is created with exactly
--     its own statements. Tables come in foreign-key order (parents first), the order of TARGET_TABLES.
--   * Full-line `--` comments only; no other statement kinds.
--
-- As Django makes it:
--   * `id bigserial primary key` on every table (Django 4.1+ uses an identity column: same type, same nullability).
--   * No column defaults: Django keeps model defaults in Python, not in the database. Publish supplies every
--     NOT NULL column itself.
--   * NOT NULL unless the model says null=True; blank=True on CharField/TextField does not make a column nullable.
--   * FK -> `<name>_id bigint` referencing `(id)`, `deferrable initially deferred`, plus an index on the column.
--     on_delete (CASCADE, PROTECT, SET_NULL) is emulated by Django in Python and never reaches the DDL.
--   * unique=True -> unique constraint; unique_together -> unique constraint over the columns, in the model's order.
--   * db_index=True / unique=True on CharField -> also a `varchar_pattern_ops` index (Django's `_like` index).
--   * Meta.indexes (sales_customer) -> plain indexes; the UniqueConstraint with a condition on sales_address ->
--     a partial unique index with Django's constraint name.
--   * PositiveIntegerField -> integer with a `>= 0` check.
--   * Constraint and index names are left to PostgreSQL (Django's are hashed); nothing compares them.
--
-- Decisions where pyerp-target.md is silent or ambiguous:
--   1. Foreign keys to tables outside the sync (products_parentproduct.supplier_id, business_employee.user_id,
--      inventory_boxstorage.created_by_id, production_productionorder.created_by_id) are nullable bigint columns
--      without a constraint (contracts.md), but keep the index Django creates for every FK. Tags are a generic
--      relation / taggit manager: no column. production_mold.alloys is a many-to-many: its join table is no target
--      and is not created.
--   2. products_*.category_id is a plain nullable bigint, no constraint and no index (the spec: "not an FK").
--   3. SalesModel (created_at, modified_at, legacy_id, legacy_modified, is_synchronized) is the base of every sales_*
--      table and of every inventory_* table except inventory_boxtype. Base columns come first, after id, as Django
--      orders inherited fields.
--   4. inventory_boxtype's InventoryModel columns are named literally as the spec lists them: created, modified,
--      legacy_modified, is_synchronized (django-model-utils' TimeStampedModel names), no legacy_id.
--   5. "created and updated timestamps" (production_productionorder, business_employee) are created_at and
--      updated_at (timestamptz NOT NULL, auto_now_add / auto_now), the last columns, where the spec lists them.
--      production_productionorderitem, production_mold and production_moldproduct list none and get none.
--   6. Fields the spec lists without a type take the type their name and choices imply: flags (active, is_active,
--      sale, special_spot, occupied, requires_authorization, ...) boolean; description and notes text; counts
--      (quantity, capacity, max_products, unit_number, priority, estimated_time) integer; color_code varchar(20)
--      (one "varchar20" for `unit_number, color_code`, read as applying to color_code only, since Einheiten_Nr
--      is a number).
--   7. Choice fields without a stated length are varchar(20): inventory_box.status and purpose,
--      inventory_productstorage.reservation_status and production_productionorderitem.status.
--   8. Fields the spec lists without "null" are NOT NULL, including inventory_boxtype's length, width, height and
--      weight_empty, and every varchar/text field that is only blank.
--   9. inventory_boxstorage.date_stored (auto_now_add) is a DateTimeField: timestamptz NOT NULL.
--      production_moldproduct.legacy_timestamp is timestamptz NULL like production_mold's.
--  10. business_employee.email is an EmailField with null=True: varchar(254) NULL. annual_vacation_days is a
--      PositiveIntegerField with null=True: integer NULL with a `>= 0` check.
--  11. sales_salesrecord's FKs are created without an ON DELETE action (see above); shipping_address_id and
--      billing_address_id both reference sales_address.

-- products ---------------------------------------------------------------------------------------------------

create table products_productcategory (
    id bigserial primary key,
    code varchar(255) not null unique,
    name varchar(255) not null,
    description text not null,
    parent_id bigint null references products_productcategory (id) deferrable initially deferred
);
create index on products_productcategory (code varchar_pattern_ops);
create index on products_productcategory (parent_id);

create table products_parentproduct (
    id bigserial primary key,
    sku varchar(50) not null unique,
    legacy_id varchar(50) null unique,
    name varchar(255) not null,
    name_en varchar(255) not null,
    short_description text not null,
    short_description_en text not null,
    description text null,
    description_en text null,
    keywords varchar(255) not null,
    is_active boolean not null,
    is_discontinued boolean not null,
    created_at timestamp with time zone not null,
    updated_at timestamp with time zone not null,
    category_id bigint null,
    legacy_base_sku varchar(255) not null,
    release_date timestamp with time zone null,
    is_new boolean not null,
    weight integer null,
    is_one_sided boolean not null,
    is_hanging boolean not null,
    length_mm numeric(10, 2) null,
    width_mm numeric(10, 2) null,
    height_mm numeric(10, 2) null,
    supplier_id bigint null
);
create index on products_parentproduct (sku varchar_pattern_ops);
create index on products_parentproduct (legacy_id varchar_pattern_ops);
create index on products_parentproduct (legacy_base_sku);
create index on products_parentproduct (legacy_base_sku varchar_pattern_ops);
create index on products_parentproduct (supplier_id);

create table products_variantproduct (
    id bigserial primary key,
    sku varchar(50) not null unique,
    legacy_id varchar(50) null unique,
    name varchar(255) not null,
    name_en varchar(255) not null,
    short_description text not null,
    short_description_en text not null,
    description text null,
    description_en text null,
    keywords varchar(255) not null,
    is_active boolean not null,
    is_discontinued boolean not null,
    created_at timestamp with time zone not null,
    updated_at timestamp with time zone not null,
    category_id bigint null,
    parent_id bigint null references products_parentproduct (id) deferrable initially deferred,
    variant_code varchar(10) not null,
    legacy_sku varchar(50) null,
    legacy_base_sku varchar(50) not null,
    "refOld" varchar(50) null,
    is_verkaufsartikel boolean not null,
    release_date timestamp with time zone null,
    auslaufdatum timestamp with time zone null,
    retail_price numeric(10, 2) null,
    wholesale_price numeric(10, 2) null,
    retail_unit integer null,
    wholesale_unit integer null,
    color varchar(50) null,
    width_mm numeric(10, 2) null,
    is_featured boolean not null,
    is_new boolean not null,
    is_bestseller boolean not null
);
create index on products_variantproduct (sku varchar_pattern_ops);
create index on products_variantproduct (legacy_id varchar_pattern_ops);
create index on products_variantproduct (parent_id);
create index on products_variantproduct (legacy_base_sku);
create index on products_variantproduct (legacy_base_sku varchar_pattern_ops);

-- sales ------------------------------------------------------------------------------------------------------

create table sales_customer (
    id bigserial primary key,
    created_at timestamp with time zone not null,
    modified_at timestamp with time zone not null,
    legacy_id varchar(50) null,
    legacy_modified timestamp with time zone null,
    is_synchronized boolean not null,
    customer_number varchar(50) not null unique,
    name varchar(200) not null,
    legacy_address_number varchar(50) null,
    customer_group varchar(50) not null,
    delivery_block boolean not null,
    price_group varchar(10) not null,
    vat_id varchar(50) not null,
    payment_method varchar(50) not null,
    shipping_method varchar(50) not null,
    credit_limit numeric(10, 2) null,
    discount_percentage numeric(5, 2) null,
    payment_terms_discount_days integer null,
    payment_terms_net_days integer null,
    notes text not null
);
create index on sales_customer (customer_number varchar_pattern_ops);
create index on sales_customer (customer_number);
create index on sales_customer (legacy_id);
create index on sales_customer (customer_group);

create table sales_address (
    id bigserial primary key,
    created_at timestamp with time zone not null,
    modified_at timestamp with time zone not null,
    legacy_id varchar(50) null,
    legacy_modified timestamp with time zone null,
    is_synchronized boolean not null,
    customer_id bigint not null references sales_customer (id) deferrable initially deferred,
    address_number varchar(50) null,
    is_primary boolean not null,
    salutation varchar(50) not null,
    first_name varchar(100) not null,
    last_name varchar(100) not null,
    company_name varchar(200) not null,
    street varchar(200) not null,
    country varchar(2) not null,
    postal_code varchar(20) not null,
    city varchar(100) not null,
    phone varchar(50) not null,
    fax varchar(50) not null,
    email varchar(254) not null,
    contact_person varchar(200) not null,
    formal_salutation varchar(200) not null
);
create index on sales_address (customer_id);
create unique index unique_primary_address_per_customer on sales_address (customer_id) where is_primary;

create table sales_paymentterms (
    id bigserial primary key,
    created_at timestamp with time zone not null,
    modified_at timestamp with time zone not null,
    legacy_id varchar(50) null,
    legacy_modified timestamp with time zone null,
    is_synchronized boolean not null,
    name varchar(50) not null,
    days_due integer not null,
    discount_days integer not null,
    discount_percent numeric(5, 2) not null,
    active boolean not null,
    unique (days_due, discount_days, discount_percent)
);

create table sales_paymentmethod (
    id bigserial primary key,
    created_at timestamp with time zone not null,
    modified_at timestamp with time zone not null,
    legacy_id varchar(50) null,
    legacy_modified timestamp with time zone null,
    is_synchronized boolean not null,
    name varchar(50) not null,
    code varchar(20) not null,
    active boolean not null,
    requires_authorization boolean not null,
    notes text not null,
    unique (name, code)
);

create table sales_shippingmethod (
    id bigserial primary key,
    created_at timestamp with time zone not null,
    modified_at timestamp with time zone not null,
    legacy_id varchar(50) null,
    legacy_modified timestamp with time zone null,
    is_synchronized boolean not null,
    name varchar(50) not null,
    code varchar(20) not null,
    description text not null,
    default_cost numeric(10, 2) not null,
    active boolean not null,
    unique (name, code)
);

create table sales_salesrecord (
    id bigserial primary key,
    created_at timestamp with time zone not null,
    modified_at timestamp with time zone not null,
    legacy_id varchar(50) null,
    legacy_modified timestamp with time zone null,
    is_synchronized boolean not null,
    record_number varchar(50) not null,
    record_date date not null,
    record_type varchar(20) not null,
    customer_id bigint null references sales_customer (id) deferrable initially deferred,
    subtotal numeric(12, 2) not null,
    tax_amount numeric(12, 2) not null,
    total_amount numeric(12, 2) not null,
    shipping_cost numeric(10, 2) not null,
    handling_fee numeric(10, 2) not null,
    payment_status varchar(20) not null,
    payment_date date null,
    amount_paid_external numeric(12, 2) null,
    currency varchar(3) not null,
    tax_type varchar(50) not null,
    notes text not null,
    payment_terms_id bigint null references sales_paymentterms (id) deferrable initially deferred,
    payment_method_id bigint null references sales_paymentmethod (id) deferrable initially deferred,
    shipping_method_id bigint null references sales_shippingmethod (id) deferrable initially deferred,
    shipping_address_id bigint null references sales_address (id) deferrable initially deferred,
    billing_address_id bigint null references sales_address (id) deferrable initially deferred,
    delivery_status varchar(25) not null,
    unique (record_number, record_type)
);
create index on sales_salesrecord (customer_id);
create index on sales_salesrecord (payment_terms_id);
create index on sales_salesrecord (payment_method_id);
create index on sales_salesrecord (shipping_method_id);
create index on sales_salesrecord (shipping_address_id);
create index on sales_salesrecord (billing_address_id);
create index on sales_salesrecord (delivery_status);
create index on sales_salesrecord (delivery_status varchar_pattern_ops);

create table sales_salesrecorditem (
    id bigserial primary key,
    created_at timestamp with time zone not null,
    modified_at timestamp with time zone not null,
    legacy_id varchar(50) null,
    legacy_modified timestamp with time zone null,
    is_synchronized boolean not null,
    sales_record_id bigint not null references sales_salesrecord (id) deferrable initially deferred,
    position integer not null,
    legacy_sku varchar(50) not null,
    description text not null,
    quantity numeric(10, 2) not null,
    unit_price numeric(12, 2) not null,
    discount_percentage numeric(5, 2) not null,
    tax_rate numeric(5, 2) not null,
    tax_amount numeric(10, 2) not null,
    line_subtotal numeric(12, 2) not null,
    line_total numeric(12, 2) not null,
    item_type varchar(20) not null,
    notes text not null,
    fulfillment_status varchar(20) not null,
    fulfilled_quantity numeric(10, 2) not null,
    product_id bigint null references products_variantproduct (id) deferrable initially deferred,
    unique (sales_record_id, position)
);
create index on sales_salesrecorditem (sales_record_id);
create index on sales_salesrecorditem (product_id);

-- business ---------------------------------------------------------------------------------------------------

create table business_employee (
    id bigserial primary key,
    user_id bigint null,
    employee_number varchar(20) not null unique,
    legacy_id varchar(50) null,
    first_name varchar(100) not null,
    last_name varchar(100) not null,
    birth_date date null,
    hire_date date null,
    termination_date date null,
    email varchar(254) null,
    phone varchar(50) not null,
    mobile_phone varchar(50) not null,
    street varchar(200) not null,
    postal_code varchar(20) not null,
    city varchar(100) not null,
    is_terminated boolean not null,
    is_present boolean not null,
    weekly_hours numeric(5, 2) not null,
    daily_hours numeric(5, 2) not null,
    salary_code varchar(20) not null,
    annual_salary numeric(10, 2) not null,
    monthly_salary numeric(10, 2) not null,
    annual_vacation_days integer null check (annual_vacation_days >= 0),
    ad_username varchar(100) null,
    created_at timestamp with time zone not null,
    updated_at timestamp with time zone not null
);
create index on business_employee (user_id);
create index on business_employee (employee_number varchar_pattern_ops);

-- inventory --------------------------------------------------------------------------------------------------

create table inventory_storagelocation (
    id bigserial primary key,
    created_at timestamp with time zone not null,
    modified_at timestamp with time zone not null,
    legacy_id varchar(50) null,
    legacy_modified timestamp with time zone null,
    is_synchronized boolean not null,
    country varchar(2) not null,
    city_building varchar(100) not null,
    sale boolean not null,
    special_spot boolean not null,
    unit varchar(50) not null,
    compartment varchar(50) not null,
    shelf varchar(50) not null,
    location_code varchar(100) not null,
    name varchar(100) not null,
    description text not null,
    is_active boolean not null,
    box_capacity integer null,
    capacity_limit integer null,
    capacity integer null,
    unique (country, city_building, unit, compartment, shelf)
);

create table inventory_boxtype (
    id bigserial primary key,
    created timestamp with time zone not null,
    modified timestamp with time zone not null,
    legacy_modified timestamp with time zone null,
    is_synchronized boolean not null,
    name varchar(100) not null,
    description text not null,
    color varchar(20) not null,
    length numeric(6, 2) not null,
    width numeric(6, 2) not null,
    height numeric(6, 2) not null,
    weight_empty numeric(10, 2) not null,
    slot_count integer not null,
    slot_naming_scheme varchar(50) not null,
    unique (name, slot_count, height, length, width, color)
);

create table inventory_box (
    id bigserial primary key,
    created_at timestamp with time zone not null,
    modified_at timestamp with time zone not null,
    legacy_id varchar(50) null,
    legacy_modified timestamp with time zone null,
    is_synchronized boolean not null,
    code varchar(50) not null,
    barcode varchar(100) not null,
    box_type_id bigint not null references inventory_boxtype (id) deferrable initially deferred,
    status varchar(20) not null,
    purpose varchar(20) not null,
    storage_location_id bigint null references inventory_storagelocation (id) deferrable initially deferred,
    notes text not null
);
create index on inventory_box (box_type_id);
create index on inventory_box (storage_location_id);

create table inventory_boxslot (
    id bigserial primary key,
    created_at timestamp with time zone not null,
    modified_at timestamp with time zone not null,
    legacy_id varchar(50) null,
    legacy_modified timestamp with time zone null,
    is_synchronized boolean not null,
    box_id bigint not null references inventory_box (id) deferrable initially deferred,
    legacy_slot_id varchar(50) null,
    slot_number integer not null,
    slot_code varchar(20) not null,
    unit_number integer not null,
    color_code varchar(20) not null,
    order_number varchar(50) not null,
    barcode varchar(100) not null,
    occupied boolean not null,
    capacity integer not null,
    max_products integer not null,
    unique (box_id, slot_code)
);
create index on inventory_boxslot (box_id);

create table inventory_productstorage (
    id bigserial primary key,
    created_at timestamp with time zone not null,
    modified_at timestamp with time zone not null,
    legacy_id varchar(50) null,
    legacy_modified timestamp with time zone null,
    is_synchronized boolean not null,
    product_id bigint not null references products_variantproduct (id) deferrable initially deferred,
    storage_location_id bigint null references inventory_storagelocation (id) deferrable initially deferred,
    quantity integer not null,
    reservation_status varchar(20) not null,
    reservation_reference varchar(100) not null,
    unique (product_id, storage_location_id)
);
create index on inventory_productstorage (product_id);
create index on inventory_productstorage (storage_location_id);

create table inventory_boxstorage (
    id bigserial primary key,
    created_at timestamp with time zone not null,
    modified_at timestamp with time zone not null,
    legacy_id varchar(50) null,
    legacy_modified timestamp with time zone null,
    is_synchronized boolean not null,
    product_storage_id bigint not null references inventory_productstorage (id) deferrable initially deferred,
    box_slot_id bigint not null references inventory_boxslot (id) deferrable initially deferred,
    created_by_id bigint null,
    position_in_slot varchar(20) not null,
    quantity integer not null,
    batch_number varchar(100) null,
    expiry_date date null,
    date_stored timestamp with time zone not null,
    unique (box_slot_id, product_storage_id, batch_number, position_in_slot)
);
create index on inventory_boxstorage (product_storage_id);
create index on inventory_boxstorage (box_slot_id);
create index on inventory_boxstorage (created_by_id);

-- production -------------------------------------------------------------------------------------------------

create table production_productionorder (
    id bigserial primary key,
    order_number varchar(50) not null unique,
    form_number varchar(50) not null,
    quantity integer not null,
    status varchar(20) not null,
    creation_date timestamp with time zone null,
    planned_date timestamp with time zone null,
    priority integer not null,
    legacy_id varchar(100) not null,
    legacy_key varchar(100) not null,
    legacy_form_id varchar(100) not null,
    created_by_id bigint null,
    created_at timestamp with time zone not null,
    updated_at timestamp with time zone not null
);
create index on production_productionorder (order_number varchar_pattern_ops);
create index on production_productionorder (created_by_id);

create table production_productionorderitem (
    id bigserial primary key,
    production_order_id bigint not null references production_productionorder (id) deferrable initially deferred,
    parent_product_id bigint null references products_parentproduct (id) deferrable initially deferred,
    operation_type varchar(10) not null,
    item_number integer not null,
    target_quantity integer not null,
    completed_quantity integer not null,
    remaining_quantity integer not null,
    start_date timestamp with time zone null,
    status varchar(20) not null,
    product_sku varchar(50) not null,
    product_share double precision not null,
    estimated_time integer not null,
    standard_time double precision not null,
    value double precision not null,
    legacy_id varchar(100) not null,
    legacy_key varchar(100) not null,
    legacy_kostenstelle_id varchar(100) not null,
    legacy_form_artikel_id varchar(100) not null,
    unique (production_order_id, item_number)
);
create index on production_productionorderitem (production_order_id);
create index on production_productionorderitem (parent_product_id);

create table production_mold (
    id bigserial primary key,
    legacy_uuid varchar(36) not null unique,
    legacy_form_nr varchar(50) not null,
    description varchar(255) not null,
    storage_location varchar(100) not null,
    is_active boolean not null,
    notes text not null,
    legacy_timestamp timestamp with time zone null
);
create index on production_mold (legacy_uuid varchar_pattern_ops);
create index on production_mold (legacy_form_nr);
create index on production_mold (legacy_form_nr varchar_pattern_ops);

create table production_moldproduct (
    id bigserial primary key,
    legacy_uuid varchar(36) not null unique,
    mold_id bigint not null references production_mold (id) deferrable initially deferred,
    parent_product_id bigint not null references products_parentproduct (id) deferrable initially deferred,
    products_per_mold integer not null,
    weight_per_product numeric(10, 3) null,
    legacy_timestamp timestamp with time zone null,
    unique (mold_id, parent_product_id)
);
create index on production_moldproduct (legacy_uuid varchar_pattern_ops);
create index on production_moldproduct (mold_id);
create index on production_moldproduct (parent_product_id);
